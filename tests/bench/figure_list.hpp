// The figures in order, each with its title and the paragraph that says how it is measured (printed in
// docs/benchmarks.md beside the results).
#pragma once

#include <span>

#include "bench/figures.hpp"

namespace spe::bench {

struct FigureSpec {
  int number;
  const char* title;
  FigureResult (*run)(BenchBed&);
  const char* method;
};

std::span<const FigureSpec> all_figures();

}  // namespace spe::bench
