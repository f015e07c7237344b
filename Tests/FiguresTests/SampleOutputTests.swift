import Foundation
import Testing
@testable import Figures

/// Writes the sample figures where a person can look at them, when FIGURES_SAMPLE_DIR is set.
@Test(.enabled(if: ProcessInfo.processInfo.environment["FIGURES_SAMPLE_DIR"] != nil))
func writeSampleFigures() throws {
    let directory = ProcessInfo.processInfo.environment["FIGURES_SAMPLE_DIR"]!
    let figures = [("projection_grid", SampleFigures.projectionGrid()), ("eta_bars", SampleFigures.etaBars()),
                   ("accuracy_lines", SampleFigures.accuracyLines()), ("single_scatter", SampleFigures.singleScatter())]
    for (name, figure) in figures {
        for format in OutputFormat.allCases {
            let bytes = try figure.render(format: format, provenance: ["tool": "FiguresTests"])
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name).\(format.rawValue)"))
        }
    }
}
