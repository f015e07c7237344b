import Foundation
import Penultimate
import Testing
import TestSupport

/// Projection files of fixture dumps distilled at T = 1 and 3 (teacher α = 0.1), written and read back.
private func projectionFiles(dir: String, method: ProjectionMethod = .qrPCA) throws -> [ProjectionFile] {
    try [1.0, 3.0].map { t in
        let dump = dir + "/T\(Int(t)).h5"
        try writeFixtureDump(path: dump, seed: UInt64(t) + 10, kdTemperature: t, spread: 0.6)
        let file = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "2"], method: method, splits: ["train", "val"],
                                         selection: .firstPerClass(20)).run(provenance: Provenance(tool: "test"))
        try file.write(to: dir + "/T\(Int(t)).proj.h5")
        return try ProjectionFile.read(path: dir + "/T\(Int(t)).proj.h5")
    }
}

private func panels(_ files: [ProjectionFile]) -> [ProjectionPanelInput] {
    files.flatMap { f in ["train", "val"].map { ProjectionPanelInput(file: f, path: "T.proj.h5", split: $0) } }
}

@Test func projectionGridTitlesComeFromSourceAttributes() throws {
    let files = try projectionFiles(dir: temporaryDirectory(prefix: "penultimate-projection"))
    let figure = try projectionFigure(panels(files), options: ProjectionFigureOptions(rows: 2, columns: 2))
    #expect(figure.columnTitles == ["Training w/ LS", "Validation w/ LS"])
    #expect(figure.rowTitles == ["T = 1", "T = 3"])
    #expect(figure.panels.allSatisfy { $0.title.isEmpty })
    #expect(figure.legend.map(\.label) == ["miniature poodle", "standard poodle", "submarine", "class centroid"])
    // A row of panels that differ in T gets full titles instead.
    let row = try projectionFigure(panels(files))
    #expect(row.panels.map(\.title) == ["student T=1, teacher α=0.1, train", "student T=1, teacher α=0.1, val",
                                        "student T=3, teacher α=0.1, train", "student T=3, teacher α=0.1, val"])
    let given = try projectionFigure(panels(files), options: .init(rows: 2, columns: 2, titles: ["a", "b"], rowTitles: ["x", "y"]))
    #expect(given.columnTitles == ["a", "b"] && given.rowTitles == ["x", "y"])
    #expect(throws: InputError.self) { _ = try projectionFigure(panels(files), options: .init(rows: 1, columns: 3)) }
}

@Test func projectionPNGHasSizeDPIProvenanceAndClassColoursAtCentroids() throws {
    let files = try projectionFiles(dir: temporaryDirectory(prefix: "penultimate-projection"))
    let inputs = panels(files)
    let figure = try projectionFigure(inputs, options: ProjectionFigureOptions(rows: 2, columns: 2, dpi: 150))
    let provenance = ["provenance": "{\"tool\": \"plot\"}"]
    let bytes = try figure.render(format: .png, provenance: provenance)
    #expect(try figure.render(format: .png, provenance: provenance) == bytes)
    let image = try PNGImage.decode(bytes)
    #expect(image.width == figure.pixelSize.width && image.height == figure.pixelSize.height)
    // pHYs holds whole pixels per metre: within half a pixel per metre (0.0127 dpi) of 150.
    #expect(abs((image.dpi ?? 0) - 150) <= 0.0127)
    #expect(image.text("provenance") == "{\"tool\": \"plot\"}")
    let layout = try figure.layout()
    for (index, input) in inputs.enumerated() {
        let split = try #require(input.file.split(input.split))
        for c in 0..<3 {
            let pixel = layout.pixel(panel: index, of: PlotPoint(x: split.centroids[c].x, y: split.centroids[c].y))
            let colour = Palette.color(c)
            let want = [colour.red, colour.green, colour.blue].map { Int(($0 * 255).rounded()) }
            // The star's fill is the class colour; look in a 5 × 5 block around its centre.
            var found = false
            for dy in -2...2 {
                for dx in -2...2 {
                    let p = image.pixel(x: Int(pixel.x) + dx, y: Int(pixel.y) + dy)
                    if zip([p.red, p.green, p.blue].map(Int.init), want).allSatisfy({ abs($0 - $1) <= 3 }) { found = true }
                }
            }
            #expect(found, "panel \(index) class \(c): no \(want) around \(pixel)")
        }
    }
    #expect(try figure.render(format: .pdf).starts(with: Array("%PDF".utf8)))
    #expect(String(decoding: try figure.render(format: .svg), as: UTF8.self).contains("<svg"))
}

@Test func panelsWithOtherClassesAreRefused() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let files = try projectionFiles(dir: dir)
    var other = files[1]
    other.wnids = [other.wnids[1], other.wnids[0], other.wnids[2]]
    let inputs = [ProjectionPanelInput(file: files[0], path: "a.h5", split: "train"),
                  ProjectionPanelInput(file: other, path: "b.h5", split: "train")]
    #expect { _ = try projectionFigure(inputs) } throws: { "\($0)".hasPrefix("b.h5: /classes/wnid:") }
}

private func writeJSON(_ text: String, dir: String, name: String) throws -> String {
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Test func etaBarsRenderOnePanelPerSplitWithIntervals() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let path = try writeJSON("""
    {"format": "penultimate-eta", "format_version": 1, "tool": "eta", "version": "0.1.0", "provenance": {},
     "conventions": {"normalize": "centroid-scale", "unit": "percent", "s1_rule": "siblings", "s2_rule": "list", "split": "train,val",
                     "bootstrap": {"replicates": 100, "seed": 1, "level": 0.95}},
     "t1": {"path": "a.h5", "model": "r18", "kd_temperature": 1.0, "teacher_ls_alpha": 0.1},
     "t2": {"path": "b.h5", "model": "r18", "kd_temperature": 3.0, "teacher_ls_alpha": 0.1},
     "rows": [
      {"target": "n02099849", "target_name": "Chesapeake Bay retriever", "split": "train", "t1": 1.0, "t2": 3.0,
       "eta_s1": -0.392, "eta_s2": 0.162, "ci_s1": [-0.5, -0.3], "ci_s2": [0.1, 0.2], "s1": [], "s2": [], "diffusion": true},
      {"target": "n01728572", "target_name": "thunder snake", "split": "train", "t1": 1.0, "t2": 3.0,
       "eta_s1": -2.316, "eta_s2": 0.376, "ci_s1": [-2.5, -2.0], "ci_s2": [0.3, 0.45], "s1": [], "s2": [], "diffusion": true},
      {"target": "n02099849", "target_name": "Chesapeake Bay retriever", "split": "val", "t1": 1.0, "t2": 3.0,
       "eta_s1": -1.082, "eta_s2": 0.269, "ci_s1": null, "ci_s2": null, "s1": [], "s2": [], "diffusion": true},
      {"target": "n01728572", "target_name": "thunder snake", "split": "val", "t1": 1.0, "t2": 3.0,
       "eta_s1": null, "eta_s2": 0.5, "ci_s1": null, "ci_s2": null, "s1": [], "s2": [], "diffusion": false}
     ]}
    """, dir: dir, name: "eta.json")
    let data = try EtaChartData.read(path: path)
    #expect(data.unit == "percent" && data.skipped == 1 && data.splits == ["train", "val"])
    let figure = etaFigure(data)
    #expect(figure.rows == 2 && figure.panels.count == 2)
    guard case .bar(let train) = figure.panels[0], case .bar(let val) = figure.panels[1] else {
        Issue.record("expected bar panels")
        return
    }
    #expect(train.categories == ["Chesapeake Bay retriever", "thunder snake"])
    #expect(train.first == [-0.392, -2.316] && train.second == [0.162, 0.376])
    #expect(train.firstIntervals?.first == BarPanel.Interval(lower: -0.5, upper: -0.3))
    #expect(val.firstIntervals == nil && val.categories == ["Chesapeake Bay retriever"])
    #expect(train.yLabel == "η (%)" && train.title == "Training set, T₁ = 1 → T₂ = 3")
    let image = try PNGImage.decode(try figure.render(format: .png))
    #expect(image.width == figure.pixelSize.width)
    let wrong = try writeJSON(#"{"format": "penultimate-eta", "format_version": 2, "rows": []}"#, dir: dir, name: "v2.json")
    #expect(throws: InputError.self) { _ = try EtaChartData.read(path: wrong) }
    // 1.5 and true are not 1 (NSNumber's intValue would say they are).
    for (name, version) in [("v15.json", "1.5"), ("vtrue.json", "true"), ("vstring.json", "\"1\"")] {
        let path = try writeJSON(#"{"format": "penultimate-eta", "format_version": "# + version + #", "rows": []}"#, dir: dir, name: name)
        #expect(throws: InputError.self) { _ = try EtaChartData.read(path: path) }
    }
}

@Test func accuracyChartHasOneLinePerTeacherAlphaAndTeacherReferences() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    var rows: [String] = []
    let top1: [Double: [Double]] = [0: [71.547, 71.349, 69.570, 66.230], 0.1: [71.616, 68.428, 66.570, 65.472]]
    for alpha in [0.0, 0.1] {
        rows.append(#"{"path": "t.h5", "model": "resnet50", "role": "teacher", "ls_alpha": \#(alpha), "teacher_ls_alpha": null, "kd_temperature": null, "split": "val", "top1": \#(alpha == 0 ? 76.13 : 76.196), "top5": 93.0, "rows": 10}"#)
        for (i, t) in [64.0, 1, 2, 3].enumerated() {
            let value = top1[alpha]![[3, 0, 1, 2][i]]
            rows.append(#"{"path": "s.h5", "model": "resnet18", "role": "student", "ls_alpha": 0.0, "teacher_ls_alpha": \#(alpha), "kd_temperature": \#(t), "split": "val", "top1": \#(value), "top5": 90.0, "rows": 10}"#)
        }
    }
    let path = try writeJSON(#"{"format": "penultimate-accuracy", "format_version": 1, "provenance": {}, "rows": ["# + rows.joined(separator: ",") + "]}",
                             dir: dir, name: "acc.json")
    let data = try AccuracyChartData.read(path: path)
    let figure = try accuracyFigure(data, path: path, top5: true)
    #expect(figure.panels.count == 2)
    guard case .line(let panel) = figure.panels[0] else {
        Issue.record("expected a line panel")
        return
    }
    #expect(panel.xValues == ["1", "2", "3", "64"])
    #expect(panel.series.map(\.label) == ["students, teacher α = 0", "teacher α = 0", "students, teacher α = 0.1", "teacher α = 0.1"])
    #expect(panel.series[0].values == top1[0] && panel.series[2].values == top1[0.1])
    #expect(panel.series[1].values == [76.13, 76.13, 76.13, 76.13])
    #expect(try PNGImage.decode(try figure.render(format: .png)).height == figure.pixelSize.height)
    // A student series missing a temperature is an error, not a silent gap.
    let partial = AccuracyChartData(rows: data.rows.filter { !($0.kdTemperature == 2 && $0.teacherLSAlpha == 0.1) })
    #expect(throws: InputError.self) { _ = try accuracyFigure(partial, path: path) }
}
