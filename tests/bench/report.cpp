#include "bench/report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace spe::bench {
namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

struct Cells {
  std::string figure, median, min, max, baseline, ratio, target, met;
};

Cells cells_of(const Row& row) {
  const Summary value = summarise(row.values);
  Cells cells;
  cells.figure = row.figure + ". " + row.name + (row.unit.empty() ? "" : " (" + row.unit + ")");
  cells.median = fixed(value.median, row.decimals);
  cells.min = fixed(value.min, row.decimals);
  cells.max = fixed(value.max, row.decimals);
  if (!row.baselines.empty()) {
    cells.baseline = fixed(summarise(row.baselines).median, row.decimals) + " " + row.unit + " (" + row.baseline_name +
                     ")";
    cells.ratio = fixed(summarise(ratios(row)).median, 3);
  } else {
    cells.baseline = row.baseline_name.empty() ? "-" : row.baseline_name;
    cells.ratio = "-";
  }
  cells.target = row.target ? row.target->text : "-";
  const auto met = target_met(row);
  cells.met = met ? (*met ? "yes" : "NO") : "-";
  return cells;
}

const Cells kHeader{"figure", "median", "min", "max", "baseline (median)", "ratio", "target", "met?"};

}  // namespace

Summary summarise(std::vector<double> values) {
  if (values.empty()) return {};
  std::ranges::sort(values);
  const std::size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return Summary{median, values.front(), values.back()};
}

std::vector<double> ratios(const Row& row) {
  std::vector<double> out;
  for (std::size_t i = 0; i < row.values.size() && i < row.baselines.size(); ++i) {
    if (row.baselines[i] > 0) out.push_back(row.values[i] / row.baselines[i]);
  }
  return out;
}

std::optional<bool> target_met(const Row& row) {
  if (!row.target || row.values.empty()) return std::nullopt;
  const Target& target = *row.target;
  const auto rs = ratios(row);
  if (target.of == Target::Of::ratio && rs.empty()) return std::nullopt;
  const double measured = summarise(target.of == Target::Of::ratio ? rs : row.values).median;
  switch (target.compare) {
    case Target::Compare::at_most: return measured <= target.limit;
    case Target::Compare::below: return measured < target.limit;
    case Target::Compare::at_least: return measured >= target.limit;
  }
  return std::nullopt;
}

std::string render_text_table(const std::vector<Row>& rows) {
  std::vector<Cells> all{kHeader};
  for (const auto& row : rows) all.push_back(cells_of(row));
  const auto width = [&all](std::string Cells::*column) {
    std::size_t w = 0;
    for (const auto& c : all) w = std::max(w, (c.*column).size());
    return w;
  };
  const std::vector<std::string Cells::*> columns{&Cells::figure,   &Cells::median, &Cells::min,    &Cells::max,
                                                  &Cells::baseline, &Cells::ratio,  &Cells::target, &Cells::met};
  std::ostringstream out;
  for (const auto& c : all) {
    for (const auto column : columns) {
      const std::string& text = c.*column;
      const std::size_t w = width(column);
      // Text columns left-aligned, numbers right-aligned.
      const bool left = column == &Cells::figure || column == &Cells::baseline || column == &Cells::target;
      out << (left ? text + std::string(w - text.size(), ' ') : std::string(w - text.size(), ' ') + text) << "  ";
    }
    out << "\n";
  }
  return out.str();
}

std::string render_markdown_table(const std::vector<Row>& rows) {
  std::ostringstream out;
  const auto line = [&out](const Cells& c) {
    out << "| " << c.figure << " | " << c.median << " | " << c.min << " | " << c.max << " | " << c.baseline << " | "
        << c.ratio << " | " << c.target << " | " << c.met << " |\n";
  };
  line(kHeader);
  out << "| --- | ---: | ---: | ---: | --- | ---: | --- | --- |\n";
  for (const auto& row : rows) line(cells_of(row));
  return out.str();
}

}  // namespace spe::bench
