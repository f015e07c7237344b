import Foundation
import Testing
@testable import Figures
import TestSupport

@Suite struct FigureRenderTests {
    /// A small 1 × 2 scatter figure; classes far apart so centroid stars do not overlap.
    static func smallScatter(dpi: Double = 100) -> Figure {
        var source = GaussianSource(state: 7)
        let centres = [PlotPoint(x: -5, y: 0), PlotPoint(x: 0, y: 4), PlotPoint(x: 5, y: -3)]
        let series = centres.enumerated().map { k, c in
            ScatterSeries(label: "class \(k)", color: Palette.color(k),
                          points: (0..<40).map { _ in PlotPoint(x: c.x + 0.8 * source.normal(), y: c.y + 0.8 * source.normal()) },
                          centroid: c)
        }
        return Figure(width: 6, height: 3, dpi: dpi, rows: 1, columns: 2,
                      panels: [.scatter(ScatterPanel(title: "left", series: series)),
                               .scatter(ScatterPanel(title: "right", series: Array(series.reversed())))],
                      legend: LegendEntry.classes(["class 0", "class 1", "class 2"]))
    }

    @Test func pngRoundTripKeepsSizeDPIAndProvenance() throws {
        let figure = Self.smallScatter(dpi: 150)
        let json = #"{"command":"plot --dpi 150","input":"/data/student T=3.h5","git":"abc123"}"#
        let bytes = try figure.render(format: .png, provenance: ["provenance": json, "Software": "penultimate"])
        let image = try PNGImage.decode(bytes)
        #expect(image.width == 900 && image.height == 450)
        #expect(abs((image.dpi ?? 0) - 150) < 0.02)
        #expect(image.text("provenance") == json)
        #expect(image.text("Software") == "penultimate")
        // The background is opaque white in a corner.
        #expect(image.pixel(x: 0, y: 0) == (255, 255, 255, 255))
    }

    /// Each centroid star is drawn in its class colour where the layout says the centroid is.
    @Test func centroidColourAppearsAtItsPixel() throws {
        let figure = Self.smallScatter(dpi: 200)
        let layout = try figure.layout()
        let image = try PNGImage.decode(try figure.render(format: .png))
        for (panelIndex, panel) in figure.panels.enumerated() {
            guard case .scatter(let scatter) = panel else { continue }
            for series in scatter.series {
                let centre = layout.pixel(panel: panelIndex, of: try #require(series.centroid))
                // Mean colour of a 5 × 5 window at the star's centre (inside its filled core).
                var sum = (0.0, 0.0, 0.0)
                for dy in -2...2 {
                    for dx in -2...2 {
                        let p = image.pixel(x: Int(centre.x) + dx, y: Int(centre.y) + dy)
                        sum.0 += Double(p.red)
                        sum.1 += Double(p.green)
                        sum.2 += Double(p.blue)
                    }
                }
                let mean = (sum.0 / 25, sum.1 / 25, sum.2 / 25)
                let target = series.color
                #expect(abs(mean.0 - target.red * 255) < 6, "\(series.label) red in panel \(panelIndex)")
                #expect(abs(mean.1 - target.green * 255) < 6, "\(series.label) green in panel \(panelIndex)")
                #expect(abs(mean.2 - target.blue * 255) < 6, "\(series.label) blue in panel \(panelIndex)")
            }
        }
    }

    /// The middle of each bar shows its colour (bars are opaque, so grid lines never show through).
    @Test func barColourAppearsInsideEachBar() throws {
        let panel = BarPanel(categories: ["a", "b", "c"], first: [-2, -1, -3], second: [1, 2, 0.5])
        let figure = Figure(width: 4, height: 3, dpi: 100, rows: 1, columns: 1, panels: [.bar(panel)])
        let layout = try figure.layout()
        let image = try PNGImage.decode(try figure.render(format: .png))
        for i in 0..<3 {
            for (value, dx, color) in [(panel.first[i], -0.19, panel.firstColor), (panel.second[i], 0.19, panel.secondColor)] {
                let p = layout.pixel(panel: 0, of: PlotPoint(x: Double(i) + dx, y: value / 2))
                let pixel = image.pixel(x: Int(p.x), y: Int(p.y))
                let expected = [color.red, color.green, color.blue].map { 255 * $0 }
                #expect(abs(Double(pixel.red) - expected[0]) < 3 && abs(Double(pixel.green) - expected[1]) < 3
                            && abs(Double(pixel.blue) - expected[2]) < 3, "bar \(i) at \(dx)")
            }
        }
    }

    /// The layout maps the axis limits onto the plot area's corners, inside the page.
    @Test func layoutMapsLimitsToPlotArea() throws {
        let layout = try Self.smallScatter().layout()
        #expect(layout.panels.count == 2)
        for g in layout.panels {
            let low = g.position(of: PlotPoint(x: g.xLimits.lower, y: g.yLimits.lower))
            let high = g.position(of: PlotPoint(x: g.xLimits.upper, y: g.yLimits.upper))
            #expect(abs(low.x - g.plotArea.x) < 1e-9 && abs(low.y - g.plotArea.maxY) < 1e-9)
            #expect(abs(high.x - g.plotArea.maxX) < 1e-9 && abs(high.y - g.plotArea.y) < 1e-9)
            #expect(g.plotArea.x > 0 && g.plotArea.maxX < layout.pageWidth)
            #expect(g.plotArea.y > 0 && g.plotArea.maxY < layout.pageHeight)
        }
        // Side-by-side panels share a row: same top and height.
        #expect(layout.panels[0].plotArea.y == layout.panels[1].plotArea.y)
        #expect(layout.panels[0].plotArea.height == layout.panels[1].plotArea.height)
        #expect(layout.panels[0].plotArea.maxX < layout.panels[1].plotArea.x)
    }

    @Test(arguments: OutputFormat.allCases)
    func rendersAreByteIdentical(format: OutputFormat) throws {
        for figure in [Self.smallScatter(), SampleFigures.etaBars(), SampleFigures.accuracyLines()] {
            let a = try figure.render(format: format, provenance: ["provenance": #"{"k":"v"}"#])
            let b = try figure.render(format: format, provenance: ["provenance": #"{"k":"v"}"#])
            // Compare as Bool so a failure does not print megabytes of bytes; name the first difference.
            let firstDifference = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
            let identical = a == b
            #expect(!a.isEmpty)
            #expect(identical, "\(format) differs at byte \(firstDifference.map(String.init) ?? "end") of \(a.count)/\(b.count): \(String(decoding: a[max(0, (firstDifference ?? 0) - 60)..<min(a.count, (firstDifference ?? 0) + 60)], as: UTF8.self))")
        }
    }

    @Test func pdfHasHeaderFixedDateAndProvenance() throws {
        let bytes = try Self.smallScatter().render(format: .pdf, provenance: ["tool": "plot"])
        #expect(Array(bytes.prefix(5)) == Array("%PDF-".utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("/CreationDate (D:197001010000Z)"))
        #expect(text.contains(#"/Keywords ({"tool":"plot"})"#))
        #expect(text.hasSuffix("%%EOF\n"))
        // Every xref entry points at "<n> 0 obj" (the date rewrite must not move anything).
        let dir = try temporaryDirectory(prefix: "figures-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/scatter.pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let checker = """
        import sys, re
        d = open(sys.argv[1], 'rb').read()
        start = int(re.findall(rb'startxref\\s+(\\d+)', d)[-1])
        assert d[start:start+4] == b'xref', d[start:start+10]
        lines = d[start:].split(b'\\n')
        first, count = map(int, lines[1].split())
        checked = 0
        for k in range(count):
            off, gen, kind = lines[2 + k].split()
            if kind == b'n':
                assert d[int(off):].startswith(b'%d 0 obj' % (first + k)), (k, off)
                checked += 1
        print(checked)
        """
        let check = try runStandardPython(checker, [path])
        #expect(check.status == 0)
        #expect((Int(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 5)
    }

    @Test func svgIsWellFormedXMLWithProvenance() throws {
        let bytes = try Self.smallScatter().render(format: .svg, provenance: ["note": "a<b & c"])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("<?xml") || text.hasPrefix("<svg"))
        #expect(text.contains(#"<metadata id="provenance">{"note":"a&lt;b &amp; c"}</metadata>"#))
        #expect(text.contains(#"width="432pt" height="216pt""#))
        // Well-formedness checked by python's XML parser (stdlib), outside our own code.
        let dir = try temporaryDirectory(prefix: "figures-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/scatter.svg"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let parse = try runStandardPython("import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(r.tag)", [path])
        #expect(parse.status == 0)
        #expect(parse.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{http://www.w3.org/2000/svg}svg")
    }
}

@Suite struct FigureValidationTests {
    static let one = Panel.scatter(ScatterPanel(series: [ScatterSeries(label: "a", color: .black, points: [PlotPoint(x: 0, y: 0)])]))

    @Test func emptyGridThrows() {
        let figure = Figure(width: 4, height: 3, rows: 0, columns: 2, panels: [])
        #expect(throws: FigureError.emptyGrid(rows: 0, columns: 2)) { try figure.render(format: .png) }
    }

    @Test func morePanelsThanCellsThrows() {
        let figure = Figure(width: 4, height: 3, rows: 1, columns: 2, panels: [Self.one, Self.one, Self.one])
        #expect(throws: FigureError.tooManyPanels(count: 3, cells: 2)) { try figure.render(format: .svg) }
    }

    @Test func fewerPanelsThanCellsRenders() throws {
        let figure = Figure(width: 4, height: 3, dpi: 72, rows: 2, columns: 2, panels: [Self.one])
        #expect(try PNGImage.decode(figure.render(format: .png)).width == 288)
    }

    @Test func nanCoordinateThrows() {
        let bad = Panel.scatter(ScatterPanel(series: [ScatterSeries(label: "a", color: .black,
                                                                    points: [PlotPoint(x: 0, y: 0), PlotPoint(x: .nan, y: 1)])]))
        let figure = Figure(width: 4, height: 3, rows: 1, columns: 2, panels: [Self.one, bad])
        #expect(throws: FigureError.nonFiniteValue(panel: 1, what: "series \"a\" point 1 x")) { try figure.render(format: .pdf) }
        let badCentroid = Panel.scatter(ScatterPanel(series: [ScatterSeries(label: "a", color: .black, points: [],
                                                                            centroid: PlotPoint(x: 1, y: .infinity))]))
        #expect(throws: FigureError.self) { try Figure(width: 4, height: 3, rows: 1, columns: 1, panels: [badCentroid]).layout() }
    }

    @Test func extremeRangesThrowOrRenderWithoutCrashing() throws {
        func scatter(_ points: [PlotPoint]) -> Figure {
            Figure(width: 3, height: 3, dpi: 50, rows: 1, columns: 1,
                   panels: [.scatter(ScatterPanel(series: [ScatterSeries(label: "a", color: .black, points: points)]))])
        }
        // A span that overflows to infinity once padded.
        #expect(throws: FigureError.self) { try scatter([PlotPoint(x: -1e308, y: 0), PlotPoint(x: 1e308, y: 1)]).validate() }
        // Far from zero with a tiny span: renders (without ticks on that axis) instead of trapping.
        let far = try scatter([PlotPoint(x: 1e20, y: 0), PlotPoint(x: 1e20 + 1e6, y: 1)]).render(format: .png)
        #expect(try PNGImage.decode(far).width == 150)
        // No data at all: default limits.
        #expect(try !scatter([]).render(format: .svg).isEmpty)
    }

    @Test func malformedBarsAndLinesThrow() {
        let bars = Panel.bar(BarPanel(categories: ["a", "b"], first: [1], second: [1, 2]))
        #expect(throws: FigureError.self) { try Figure(width: 4, height: 3, rows: 1, columns: 1, panels: [bars]).validate() }
        let nanBar = Panel.bar(BarPanel(categories: ["a"], first: [.nan], second: [1]))
        #expect(throws: FigureError.self) { try Figure(width: 4, height: 3, rows: 1, columns: 1, panels: [nanBar]).validate() }
        let line = Panel.line(LinePanel(xValues: ["1", "2"], series: [LineSeries(label: "s", color: .black, values: [1, 2, 3])]))
        #expect(throws: FigureError.self) { try Figure(width: 4, height: 3, rows: 1, columns: 1, panels: [line]).validate() }
    }

    /// Line series with error bars and gaps (`plot --pairs`): a missing value may hold anything,
    /// a present one and its interval must be finite, and the counts must match.
    @Test func lineIntervalsAndGaps() throws {
        func figure(_ series: LineSeries) -> Figure {
            Figure(width: 3, height: 2, dpi: 72, rows: 1, columns: 1,
                   panels: [.line(LinePanel(xValues: ["1", "2", "3"], series: [series]))])
        }
        let interval = BarPanel.Interval(lower: -1, upper: 2)
        let good = LineSeries(label: "s", color: .black, values: [1, .nan, 3], intervals: [interval, nil, interval],
                              missing: [false, true, false])
        #expect(try PNGImage.decode(figure(good).render(format: .png)).width == 216)
        let badCount = LineSeries(label: "s", color: .black, values: [1, 2, 3], intervals: [interval])
        #expect(throws: FigureError.self) { try figure(badCount).validate() }
        let badMissing = LineSeries(label: "s", color: .black, values: [1, 2, 3], missing: [false])
        #expect(throws: FigureError.self) { try figure(badMissing).validate() }
        let nanPresent = LineSeries(label: "s", color: .black, values: [1, .nan, 3], missing: [false, false, false])
        #expect(throws: FigureError.self) { try figure(nanPresent).validate() }
        let infiniteEnd = LineSeries(label: "s", color: .black, values: [1, 2, 3],
                                     intervals: [BarPanel.Interval(lower: 0, upper: .infinity), nil, nil])
        #expect(throws: FigureError.self) { try figure(infiniteEnd).validate() }
    }

    @Test func badSizesThrow() {
        #expect(throws: FigureError.self) { try Figure(width: 0, height: 3, rows: 1, columns: 1, panels: []).validate() }
        #expect(throws: FigureError.self) { try Figure(width: 4, height: 3, dpi: .nan, rows: 1, columns: 1, panels: []).validate() }
        #expect(throws: FigureError.self) {
            try Figure(width: 4, height: 3, rows: 1, columns: 2, panels: [], columnTitles: ["only one"]).validate()
        }
    }

    @Test func badProvenanceKeyThrowsForPNG() {
        let figure = Figure(width: 1, height: 1, dpi: 72, rows: 1, columns: 1, panels: [Self.one])
        #expect(throws: FigureError.invalidProvenanceKey("")) { try figure.render(format: .png, provenance: ["": "x"]) }
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [FigureError] = [.emptyGrid(rows: 0, columns: 0), .tooManyPanels(count: 3, cells: 2),
                                     .nonFiniteValue(panel: 1, what: "x"), .unknownFormat("a.jpg"),
                                     .png(source: "f.png", message: "bad"), .cairo(stage: "s", message: "m")]
        for error in errors { #expect(!error.description.contains("\n") && !error.description.isEmpty) }
        #expect(FigureError.unknownFormat("out/fig.jpg").description.hasPrefix("out/fig.jpg: "))
    }
}

@Suite struct ScaleAndFormatTests {
    @Test func niceTicksByHand() {
        // span 7.2 / 4 = 1.8 → step 2.
        let a = NiceTicks(lower: -4.3, upper: 2.9, target: 5)
        #expect(a.step == 2 && a.values == [-4, -2, 0, 2] && a.fractionDigits == 0)
        #expect(a.labels == ["\u{2212}4", "\u{2212}2", "0", "2"])
        // span 0.74 / 4 = 0.185 → step 0.2.
        let b = NiceTicks(lower: 0.13, upper: 0.87, target: 5)
        #expect(b.values.count == 4 && abs(b.step - 0.2) < 1e-12 && b.fractionDigits == 1)
        #expect(b.labels == ["0.2", "0.4", "0.6", "0.8"])
        // span 40 / 4 = 10 → step 10; 0.5-step on a range of 2.
        #expect(NiceTicks(lower: 0, upper: 40).values == [0, 10, 20, 30, 40])
        #expect(NiceTicks(lower: -1, upper: 1, target: 5).values == [-1, -0.5, 0, 0.5, 1])
        // span 12.8 / 4 = 3.2 → step 5, which leaves only 0 and 5 inside −4.6...8.2: step down to 2.
        let c = NiceTicks(lower: -4.6, upper: 8.2, target: 5)
        #expect(c.step == 2 && c.values == [-4, -2, 0, 2, 4, 6, 8])
        #expect(NiceTicks.niceNumber(3.2, round: true) == 5 && NiceTicks.niceNumber(7.5, round: true) == 10)
    }

    @Test func formatFromExtension() throws {
        #expect(try OutputFormat(path: "out/fig.PNG") == .png)
        #expect(try OutputFormat(path: "a.b/fig.pdf") == .pdf)
        #expect(try OutputFormat(path: "fig.svg") == .svg)
        #expect(throws: FigureError.unknownFormat("fig.jpeg")) { try OutputFormat(path: "fig.jpeg") }
        #expect(throws: FigureError.self) { try OutputFormat(path: "dir.png/fig") }
    }
}
