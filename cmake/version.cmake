# SPE_VERSION and SPE_REVISION, computed once at configure time (a new commit shows after the next configure).
#
# SPE_VERSION is the project version (project() in CMakeLists.txt) when HEAD is the tag v<that version>, else the
# project version with what `git describe` says about HEAD and the short commit: "0.1.0+git12.ga2e4fd9" 12 commits
# after the tag v0.1.0, and "0.1.0~git288.ga2e4fd9" before that version is tagged (counted from the last v* tag, or
# from the first commit when there is none). Debian orders "0.1.0~git..." before "0.1.0" and "0.1.0+git..." after
# it, so apt upgrades from a snapshot to the release it leads to and from the release to the snapshots after it.
# Prometheus label values take either as it is. Outside git (a source tarball): the project version alone.
# SPE_REVISION is the short commit, or "unknown".
set(SPE_VERSION ${PROJECT_VERSION})
set(SPE_REVISION unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short HEAD
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE spe_commit OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE spe_git_status ERROR_QUIET)
  if(spe_git_status EQUAL 0 AND spe_commit)
    set(SPE_REVISION ${spe_commit})
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --long --match "v[0-9]*"
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE spe_describe OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE spe_describe_status ERROR_QUIET)
    if(spe_describe_status EQUAL 0 AND spe_describe MATCHES "^v(.*)-([0-9]+)-g([0-9a-f]+)$")
      set(spe_tag ${CMAKE_MATCH_1})
      set(spe_count ${CMAKE_MATCH_2})
      set(spe_commit ${CMAKE_MATCH_3})
    else()
      # No release tag yet: count from the first commit.
      set(spe_tag "")
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-list --count HEAD
        WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE spe_count OUTPUT_STRIP_TRAILING_WHITESPACE
        ERROR_QUIET)
    endif()
    if(NOT (spe_tag STREQUAL PROJECT_VERSION AND spe_count EQUAL 0))
      # Past the release of this version, or on the way to it.
      if(spe_tag STREQUAL PROJECT_VERSION)
        set(spe_separator "+")
      else()
        set(spe_separator "~")
      endif()
      set(SPE_VERSION "${PROJECT_VERSION}${spe_separator}git${spe_count}.g${spe_commit}")
    endif()
  endif()
endif()
message(STATUS "ssh_probe_exporter version ${SPE_VERSION} (revision ${SPE_REVISION})")
