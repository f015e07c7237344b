import CCairo
import Foundation
import PlainText

/// Collects bytes that Cairo streams out of a PDF or SVG surface.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// Cairo's write callback: appends to the ByteSink passed as closure data.
private let appendToSink: cairo_write_func_t = { closure, data, length in
    guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
}

/// The creation date written into every PDF, so equal figures give equal bytes (cairo 1.16 would
/// otherwise stamp the current time). The epoch says plainly that it is not a real date.
let fixedPDFDate = "1970-01-01T00:00:00Z"

extension Figure {
    /// Renders the figure to the bytes of a PNG, PDF or SVG file.
    ///
    /// `provenance` travels with the file: in PNG as one text chunk per key (sorted by key), in
    /// PDF as JSON in the Keywords entry, in SVG as JSON in a `<metadata>` element. Output is
    /// deterministic: the same figure and provenance give the same bytes.
    public func render(format: OutputFormat, provenance: [String: String] = [:]) throws -> [UInt8] {
        try validate()
        switch format {
        case .png: return try renderPNG(provenance: provenance)
        case .pdf: return try renderVector(format: .pdf, provenance: provenance)
        case .svg: return try renderVector(format: .svg, provenance: provenance)
        }
    }

    private func renderPNG(provenance: [String: String]) throws -> [UInt8] {
        let texts = provenance.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        for (key, _) in texts where !(1...79).contains(key.utf8.count) { throw FigureError.invalidProvenanceKey(key) }
        let (w, h) = pixelSize
        guard w > 0, h > 0, w * h <= 400_000_000 else {
            throw FigureError.invalidSize("\(w)×\(h) pixels is too large or empty")
        }
        let canvas = try Canvas(surface: cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h)),
                                fontFamily: fontFamily)
        let scale = dpi / 72
        cairo_scale(canvas.context, scale, scale)
        try draw(on: canvas)
        cairo_surface_flush(canvas.surface)
        try canvas.check("PNG drawing")

        // Cairo's ARGB32 is premultiplied, one native-endian UInt32 per pixel: convert to straight RGBA8.
        let stride = Int(cairo_image_surface_get_stride(canvas.surface))
        guard let data = cairo_image_surface_get_data(canvas.surface) else {
            throw FigureError.cairo(stage: "PNG drawing", message: "image surface has no data")
        }
        var rgba = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<w {
                let argb = row[x]
                let a = (argb >> 24) & 0xFF
                var r = (argb >> 16) & 0xFF, g = (argb >> 8) & 0xFF, b = argb & 0xFF
                if a != 0 && a != 255 {
                    r = (r * 255 + a / 2) / a
                    g = (g * 255 + a / 2) / a
                    b = (b * 255 + a / 2) / a
                }
                let i = (y * w + x) * 4
                rgba[i] = UInt8(min(r, 255))
                rgba[i + 1] = UInt8(min(g, 255))
                rgba[i + 2] = UInt8(min(b, 255))
                rgba[i + 3] = UInt8(a)
            }
        }
        return try PNGEncoder.encode(rgba: rgba, width: w, height: h, dpi: dpi, texts: texts)
    }

    private func renderVector(format: OutputFormat, provenance: [String: String]) throws -> [UInt8] {
        let sink = ByteSink()
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let json = provenanceJSON(provenance)
        let surface: OpaquePointer
        if format == .pdf {
            surface = cairo_pdf_surface_create_for_stream(appendToSink, closure, width * 72, height * 72)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, fixedPDFDate)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "penultimate Figures")
            if let title { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title) }
            if !provenance.isEmpty { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_KEYWORDS, json) }
        } else {
            surface = cairo_svg_surface_create_for_stream(appendToSink, closure, width * 72, height * 72)
            cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1)
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT)
        }
        try withExtendedLifetime(sink) {
            let canvas = try Canvas(surface: surface, fontFamily: fontFamily)
            try draw(on: canvas)
            cairo_show_page(canvas.context)
            cairo_surface_finish(canvas.surface)
            try canvas.check(format == .pdf ? "PDF output" : "SVG output")
        }
        guard format == .svg else { return fixPDFDatePrefix(sink.bytes) }
        let svg = renumberSVGSurfaceIDs(sink.bytes)
        return provenance.isEmpty ? svg : insertSVGMetadata(svg, json: json)
    }

    /// Cairo 1.16 writes the date without the `D:` prefix PDF requires. Rewrite it in place with
    /// the same length (dropping the optional seconds) so the xref offsets stay valid.
    private func fixPDFDatePrefix(_ bytes: [UInt8]) -> [UInt8] {
        let wrong = Array("/CreationDate (19700101000000Z)".utf8)
        let right = Array("/CreationDate (D:197001010000Z)".utf8)
        guard bytes.count >= wrong.count,
              let start = (0...(bytes.count - wrong.count)).last(where: { bytes[$0] == wrong[0] && Array(bytes[$0..<$0 + wrong.count]) == wrong })
        else { return bytes }
        var fixed = bytes
        fixed.replaceSubrange(start..<start + wrong.count, with: right)
        return fixed
    }

    /// Cairo names SVG groups `surface<N>` after a process-wide surface counter, so the same
    /// figure rendered twice would differ. Renumber them 1, 2, … in order of first appearance.
    private func renumberSVGSurfaceIDs(_ bytes: [UInt8]) -> [UInt8] {
        let word = Array("surface".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var numbers: [ArraySlice<UInt8>: Int] = [:]
        var i = 0
        while i < bytes.count {
            if bytes[i] == word[0], i + word.count < bytes.count, Array(bytes[i..<i + word.count]) == word,
               i > 0, bytes[i - 1] == UInt8(ascii: "\"") || bytes[i - 1] == UInt8(ascii: "#") {
                var j = i + word.count
                while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { j += 1 }
                if j > i + word.count {
                    let digits = bytes[(i + word.count)..<j]
                    let number = numbers[digits] ?? (numbers.count + 1)
                    numbers[digits] = number
                    output += word + Array(String(number).utf8)
                    i = j
                    continue
                }
            }
            output.append(bytes[i])
            i += 1
        }
        return output
    }

    /// Puts `<metadata>` right after the opening `<svg …>` tag.
    private func insertSVGMetadata(_ bytes: [UInt8], json: String) -> [UInt8] {
        let open = Array("<svg".utf8)
        guard let start = (0...(bytes.count - open.count)).first(where: { Array(bytes[$0..<$0 + open.count]) == open }),
              let end = bytes[start...].firstIndex(of: UInt8(ascii: ">")) else { return bytes }
        let element = "\n<metadata id=\"provenance\">\(xmlEscaped(json))</metadata>"
        return Array(bytes[...end]) + Array(element.utf8) + Array(bytes[(end + 1)...])
    }

    // MARK: drawing

    /// Draws the whole page in points onto `canvas`.
    func draw(on canvas: Canvas) throws {
        let style = Style(base: fontSize)
        let (layout, axes, legendRows, legendTop) = computeLayout(canvas: canvas)
        canvas.setColor(.white)
        canvas.fillRect(PlotRect(x: 0, y: 0, width: layout.pageWidth, height: layout.pageHeight))

        for (index, panel) in panels.enumerated() {
            let geometry = layout.panels[index]
            drawAxes(geometry: geometry, axes: axes[index], title: panel.title, canvas: canvas, style: style)
            canvas.save()
            canvas.clip(to: geometry.plotArea)
            switch panel {
            case .scatter(let p): drawScatter(p, geometry: geometry, canvas: canvas)
            case .bar(let p): drawBars(p, geometry: geometry, canvas: canvas, style: style)
            case .line(let p): drawLines(p, geometry: geometry, canvas: canvas)
            }
            canvas.restore()
            // Frame last so data never covers it.
            canvas.setColor(.ink)
            canvas.setLineWidth(0.8)
            canvas.strokeRect(geometry.plotArea)
        }

        let margin = max(4, fontSize * 0.5)
        if let title {
            canvas.text(title, at: PlotPoint(x: layout.pageWidth / 2, y: margin), size: style.figureTitle,
                        bold: true, vertical: .top)
        }
        if let columnTitles {
            for (column, text) in columnTitles.enumerated() {
                guard let g = layout.panels.first(where: { $0.column == column }) else { continue }
                let titleBand = panels[g.index].title.isEmpty ? 0 : style.panelTitle * 1.6
                canvas.text(text, at: PlotPoint(x: g.plotArea.center.x, y: g.plotArea.y - titleBand - style.columnTitle * 0.45),
                            size: style.columnTitle, bold: true, vertical: .bottom)
            }
        }
        if let rowTitles {
            for (row, text) in rowTitles.enumerated() {
                guard let g = layout.panels.first(where: { $0.row == row }) else { continue }
                canvas.text(text, at: PlotPoint(x: margin, y: g.plotArea.center.y), size: style.rowTitle,
                            bold: true, vertical: .top, angle: .pi / 2)
            }
        }
        drawLegend(rows: legendRows, top: legendTop, pageWidth: layout.pageWidth, canvas: canvas, style: style)
        try canvas.check("drawing")
    }

    private func drawAxes(geometry g: PanelGeometry, axes a: PanelAxes, title: String, canvas: Canvas, style: Style) {
        let area = g.plotArea
        if a.horizontalGrid {
            canvas.setColor(.gridGrey)
            canvas.setLineWidth(0.5)
            for v in a.yTicks.values {
                let y = g.position(of: PlotPoint(x: g.xLimits.lower, y: v)).y
                canvas.line(from: PlotPoint(x: area.x, y: y), to: PlotPoint(x: area.maxX, y: y))
            }
        }
        canvas.setColor(.ink)
        canvas.setLineWidth(0.6)
        for (v, label) in zip(a.yTicks.values, a.yTicks.labels) {
            let y = g.position(of: PlotPoint(x: g.xLimits.lower, y: v)).y
            canvas.setColor(.ink)
            canvas.line(from: PlotPoint(x: area.x - style.tickLength, y: y), to: PlotPoint(x: area.x, y: y))
            canvas.text(label, at: PlotPoint(x: area.x - style.tickLength - style.tickGap, y: y),
                        size: style.tickLabel, horizontal: 1, vertical: .center)
        }
        for (v, label) in zip(a.xTicks.values, a.xTicks.labels) {
            let x = g.position(of: PlotPoint(x: v, y: g.yLimits.lower)).x
            canvas.setColor(.ink)
            canvas.line(from: PlotPoint(x: x, y: area.maxY), to: PlotPoint(x: x, y: area.maxY + style.tickLength))
            let anchor = PlotPoint(x: x, y: area.maxY + style.tickLength + style.tickGap)
            if a.rotateXLabels {
                canvas.text(label, at: PlotPoint(x: anchor.x + style.tickLabel * 0.3, y: anchor.y), size: style.tickLabel,
                            horizontal: 1, vertical: .top, angle: style.rotation)
            } else {
                canvas.text(label, at: anchor, size: style.tickLabel, vertical: .top)
            }
        }
        if let xLabel = a.xLabel {
            canvas.text(xLabel, at: PlotPoint(x: area.center.x, y: area.maxY + style.tickLength + style.tickGap
                                                + style.tickLabel * 1.05 + style.axisLabel * 0.25),
                        size: style.axisLabel, vertical: .top)
        }
        if let yLabel = a.yLabel {
            let widest = a.yTicks.labels.map { canvas.width(of: $0, size: style.tickLabel) }.max() ?? 0
            canvas.text(yLabel, at: PlotPoint(x: area.x - style.tickLength - style.tickGap - widest - style.axisLabel * 0.45,
                                          y: area.center.y),
                        size: style.axisLabel, vertical: .bottom, angle: .pi / 2)
        }
        if !title.isEmpty {
            canvas.text(title, at: PlotPoint(x: area.center.x, y: area.y - style.panelTitle * 0.5),
                        size: style.panelTitle, vertical: .bottom)
        }
    }

    private func drawScatter(_ p: ScatterPanel, geometry g: PanelGeometry, canvas: Canvas) {
        for s in p.series {
            canvas.setColor(s.color, alpha: p.pointAlpha)
            for point in s.points { canvas.fillDisc(center: g.position(of: point), radius: p.pointRadius) }
        }
        for s in p.series {
            guard let c = s.centroid else { continue }
            canvas.marker(.star, at: g.position(of: c), size: p.starRadius, color: s.color)
        }
    }

    private func drawBars(_ p: BarPanel, geometry g: PanelGeometry, canvas: Canvas, style: Style) {
        let barWidth = 0.36, offset = 0.19
        for (i, _) in p.categories.enumerated() {
            for (value, dx, color) in [(p.first[i], -offset, p.firstColor), (p.second[i], offset, p.secondColor)] {
                let a = g.position(of: PlotPoint(x: Double(i) + dx - barWidth / 2, y: 0))
                let b = g.position(of: PlotPoint(x: Double(i) + dx + barWidth / 2, y: value))
                let rect = PlotRect(x: a.x, y: min(a.y, b.y), width: b.x - a.x, height: abs(b.y - a.y))
                canvas.setColor(color)
                canvas.fillRect(rect)
                canvas.setColor(color.darkened(0.45))
                canvas.setLineWidth(0.5)
                canvas.strokeRect(rect)
            }
        }
        // Zero line across the panel.
        let zero = g.position(of: PlotPoint(x: 0, y: 0)).y
        canvas.setColor(.ink)
        canvas.setLineWidth(0.8)
        canvas.line(from: PlotPoint(x: g.plotArea.x, y: zero), to: PlotPoint(x: g.plotArea.maxX, y: zero))
        // Error bars on top.
        canvas.setLineWidth(0.8)
        for (intervals, dx) in [(p.firstIntervals, -offset), (p.secondIntervals, offset)] {
            guard let intervals else { continue }
            for (i, interval) in intervals.enumerated() {
                let lo = g.position(of: PlotPoint(x: Double(i) + dx, y: interval.lower))
                let hi = g.position(of: PlotPoint(x: Double(i) + dx, y: interval.upper))
                let cap = (g.position(of: PlotPoint(x: 0.08, y: 0)).x - g.position(of: PlotPoint(x: 0, y: 0)).x)
                canvas.line(from: lo, to: hi)
                canvas.line(from: PlotPoint(x: lo.x - cap, y: lo.y), to: PlotPoint(x: lo.x + cap, y: lo.y))
                canvas.line(from: PlotPoint(x: hi.x - cap, y: hi.y), to: PlotPoint(x: hi.x + cap, y: hi.y))
            }
        }
    }

    private func drawLines(_ p: LinePanel, geometry g: PanelGeometry, canvas: Canvas) {
        // With error bars, series are spread a little along x so their bars do not hide each other.
        let dodge = p.series.contains { $0.intervals != nil } ? 0.12 : 0
        for (n, s) in p.series.enumerated() {
            let dx = dodge * (Double(n) - Double(p.series.count - 1) / 2)
            // Runs of present values, each drawn as one line (a missing value breaks it).
            var runs: [[PlotPoint]] = [[]]
            for (i, value) in s.values.enumerated() {
                if s.isPresent(i) {
                    runs[runs.count - 1].append(g.position(of: PlotPoint(x: Double(i) + dx, y: value)))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            canvas.setColor(s.color)
            if let intervals = s.intervals {
                canvas.setLineWidth(0.8)
                let cap = (g.position(of: PlotPoint(x: 0.06, y: 0)).x - g.position(of: PlotPoint(x: 0, y: 0)).x)
                for (i, interval) in intervals.enumerated() where s.isPresent(i) {
                    guard let interval else { continue }
                    let lo = g.position(of: PlotPoint(x: Double(i) + dx, y: interval.lower))
                    let hi = g.position(of: PlotPoint(x: Double(i) + dx, y: interval.upper))
                    canvas.line(from: lo, to: hi)
                    canvas.line(from: PlotPoint(x: lo.x - cap, y: lo.y), to: PlotPoint(x: lo.x + cap, y: lo.y))
                    canvas.line(from: PlotPoint(x: hi.x - cap, y: hi.y), to: PlotPoint(x: hi.x + cap, y: hi.y))
                }
            }
            canvas.setLineWidth(1.5)
            for run in runs where run.count > 1 { canvas.polyline(run) }
            for point in runs.joined() { canvas.marker(s.marker, at: point, size: 3.2, color: s.color) }
        }
    }

    private func drawLegend(rows: [[Int]], top: Double, pageWidth: Double, canvas: Canvas, style: Style) {
        let gap = style.legend * 1.6
        for (r, row) in rows.enumerated() {
            let widths = row.map { legendEntryWidth(legend[$0], canvas: canvas, style: style) }
            var x = (pageWidth - widths.reduce(0, +) - gap * Double(row.count - 1)) / 2
            let y = top + (Double(r) + 0.5) * style.legend * 1.7
            for (k, i) in row.enumerated() {
                let entry = legend[i]
                let markerWidth = entry.showsLine ? style.legend * 2.2 : style.legend * 1.1
                let center = PlotPoint(x: x + markerWidth / 2, y: y)
                if entry.showsLine {
                    canvas.setColor(entry.color)
                    canvas.setLineWidth(1.5)
                    canvas.line(from: PlotPoint(x: x, y: y), to: PlotPoint(x: x + markerWidth, y: y))
                }
                let size = entry.marker == .star ? style.legend * 0.6 : entry.showsLine ? 3.2 : style.legend * 0.35
                canvas.marker(entry.marker, at: center, size: size, color: entry.color)
                canvas.text(entry.label, at: PlotPoint(x: x + markerWidth + style.legend * 0.4, y: y),
                            size: style.legend, horizontal: 0, vertical: .center)
                x += widths[k] + gap
            }
        }
    }
}

/// Provenance as compact JSON with sorted keys (deterministic, no Foundation encoder quirks).
func provenanceJSON(_ provenance: [String: String]) -> String {
    JSONValue.object(provenance.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).text
}

/// Escapes text for XML character data.
func xmlEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
