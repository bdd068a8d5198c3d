# The Debian package, made by CPack from this build tree: `cpack` in the build directory (after building the
# exporter) writes ssh-probe-exporter_<version>_<arch>.deb there. CPack packs what the install rules below put in
# place, so it compiles nothing: CI packs the binary it has already built and tested (docs/packaging.md says why
# this and not dpkg-buildpackage). The [deb] case of tests/integration/examples_test.cpp builds, inspects and runs the package.
#
set(SPE_DEB_NAME ssh-probe-exporter)  # Debian package names have no underscore
set(SPE_DEB_MAINTAINER "ssh_probe_exporter developers <ssh-probe-exporter@example.org>"
    CACHE STRING "The Maintainer of the Debian package (and of its changelog entry)")
set(spe_doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/${SPE_DEB_NAME})
set(spe_pkg_dir ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${spe_pkg_dir})

# The hardened unit of examples/systemd, with the binary where the package puts it, and a header that speaks of
# the package instead of the manual install steps.
set(spe_unit_source ${CMAKE_SOURCE_DIR}/examples/systemd/ssh_probe_exporter.service)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${spe_unit_source}
  ${CMAKE_SOURCE_DIR}/packaging/changelog.in ${CMAKE_SOURCE_DIR}/packaging/copyright.in)
file(READ ${spe_unit_source} spe_unit)
string(FIND "${spe_unit}" "[Unit]" spe_unit_start)
string(SUBSTRING "${spe_unit}" ${spe_unit_start} -1 spe_unit)
string(REPLACE "/usr/local/bin/ssh_probe_exporter" "/usr/bin/ssh_probe_exporter" spe_unit "${spe_unit}")
file(WRITE ${spe_pkg_dir}/ssh_probe_exporter.service
"# ssh_probe_exporter as a hardened systemd service, installed by the ${SPE_DEB_NAME} package.
# Put the private key at /etc/ssh_probe_exporter/keys/id_ed25519 (mode 0600, root) and a module in
# /etc/ssh_probe_exporter/exporter.toml, then: systemctl enable --now ssh_probe_exporter
# The service runs as a transient user (DynamicUser): systemd hands it the key as a credential, in
# /run/credentials/ssh_probe_exporter.service/. Change settings with `systemctl edit ssh_probe_exporter`.
#
${spe_unit}")

# The changelog and the copyright notice, dated by the commit (the same package from the same commit).
execute_process(COMMAND git log -1 --format=%aD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE SPE_DEB_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SPE_DEB_DATE)
  string(TIMESTAMP SPE_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
string(REGEX MATCH "[0-9][0-9][0-9][0-9]" SPE_DEB_YEAR "${SPE_DEB_DATE}")
execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE SPE_DEB_EPOCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
# changelog, not changelog.Debian: the package is native (no upstream tarball apart from it).
configure_file(${CMAKE_SOURCE_DIR}/packaging/changelog.in ${spe_pkg_dir}/changelog @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/packaging/copyright.in ${spe_pkg_dir}/copyright @ONLY)

# What only the package installs is a component of its own, left out of a plain `cmake --install` (which
# installs the binary alone, under its --prefix): the /etc and /lib destinations below are absolute, and would
# otherwise overwrite a live /etc/ssh_probe_exporter/exporter.toml whatever the prefix.
set(spe_package_only COMPONENT package EXCLUDE_FROM_ALL)

# /etc/ssh_probe_exporter/exporter.toml is the package's only conffile.
file(WRITE ${spe_pkg_dir}/conffiles "/etc/ssh_probe_exporter/exporter.toml\n")

# /etc and /lib whatever the prefix (/usr in the package): absolute destinations.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/exporter.toml DESTINATION /etc/ssh_probe_exporter ${spe_package_only})
# /lib/systemd/system, where Debian 12's systemd and lintian expect a package's units (no merged /usr yet).
install(FILES ${spe_pkg_dir}/ssh_probe_exporter.service DESTINATION /lib/systemd/system ${spe_package_only})
install(FILES ${CMAKE_SOURCE_DIR}/modules/README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/ssh_probe_exporter/modules
  ${spe_package_only})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/modules/ DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/ssh_probe_exporter/modules
  ${spe_package_only} FILES_MATCHING PATTERN "*.toml")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${spe_pkg_dir}/copyright DESTINATION ${spe_doc_dir} ${spe_package_only})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${spe_doc_dir}/docs ${spe_package_only}
  FILES_MATCHING PATTERN "*.md" PATTERN "*.png")

# The man page and the changelog, compressed as Debian wants them (gzip -n: no name or time stamp, so the same
# bytes every time). The man page is help2man's reading of the installed binary's --help, with SPE_VERSION.
find_program(SPE_HELP2MAN help2man)
find_program(SPE_GZIP gzip)
install(CODE "
  if(NOT EXISTS \"${SPE_HELP2MAN}\")
    message(FATAL_ERROR \"the man page needs help2man (apt-get install help2man)\")
  endif()
  if(\"${SPE_DEB_EPOCH}\")
    set(ENV{SOURCE_DATE_EPOCH} \"${SPE_DEB_EPOCH}\")  # help2man dates the page by the commit
  endif()
  execute_process(COMMAND \"${SPE_HELP2MAN}\" --no-info --section=1 --version-string=${SPE_VERSION}
      \"--name=Prometheus exporter that probes hosts over SSH\" --output=${spe_pkg_dir}/ssh_probe_exporter.1
      \"$<TARGET_FILE:ssh_probe_exporter>\" COMMAND_ERROR_IS_FATAL ANY)
  foreach(file ssh_probe_exporter.1 changelog)
    execute_process(COMMAND \"${SPE_GZIP}\" -9nf ${spe_pkg_dir}/\${file} -c
      OUTPUT_FILE ${spe_pkg_dir}/\${file}.gz COMMAND_ERROR_IS_FATAL ANY)
  endforeach()
" ${spe_package_only})
install(FILES ${spe_pkg_dir}/ssh_probe_exporter.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 ${spe_package_only})
install(FILES ${spe_pkg_dir}/changelog.gz DESTINATION ${spe_doc_dir} ${spe_package_only})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${SPE_DEB_NAME})
set(CPACK_PACKAGE_VERSION ${SPE_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR OFF)
set(CPACK_STRIP_FILES ON)  # the build keeps its debug info; the package does not (lintian)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter that probes hosts over SSH")
# The long description; CPack indents it under the summary (an empty line becomes " .").
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"A multi-target exporter, as blackbox_exporter is: Prometheus asks it to probe a
host (/probe?target=HOST&module=NAME); it logs in over SSH, verifies the host
key, optionally runs commands and reads metrics from their output, and answers
with probe_success, the duration of each phase and the reason of a failure.

The package installs a hardened systemd unit that runs the exporter as a
transient user, with its private key handed over as a systemd credential.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SPE_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from the libraries the binary links (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${spe_pkg_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only the exporter's files: no test or library of the tree has an install rule.
# The binary (the default component) and what only the package installs.
set(CPACK_INSTALL_CMAKE_PROJECTS
  "${CMAKE_BINARY_DIR};${PROJECT_NAME};Unspecified;/;${CMAKE_BINARY_DIR};${PROJECT_NAME};package;/")
include(CPack)
