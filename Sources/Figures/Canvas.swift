import CCairo
import Foundation

/// A Cairo context over one surface, with the few drawing verbs the figures need. Owns both
/// handles and releases them on deinit.
final class Canvas {
    let surface: OpaquePointer
    let context: OpaquePointer
    let fontFamily: String

    /// Wraps `surface` (taking ownership) and fixes font options so text metrics do not depend
    /// on the surface type: no hinting, grey antialiasing.
    init(surface: OpaquePointer, fontFamily: String) throws {
        self.surface = surface
        self.fontFamily = fontFamily
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let message = String(cString: cairo_status_to_string(cairo_surface_status(surface)))
            cairo_surface_destroy(surface)
            throw FigureError.cairo(stage: "surface", message: message)
        }
        context = cairo_create(surface)
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(context, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// A canvas only for measuring text.
    static func measuring(fontFamily: String) throws -> Canvas {
        try Canvas(surface: cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1), fontFamily: fontFamily)
    }

    /// Throws when the context or surface has entered an error state.
    func check(_ stage: String) throws {
        let status = cairo_status(context)
        if status != CAIRO_STATUS_SUCCESS {
            throw FigureError.cairo(stage: stage, message: String(cString: cairo_status_to_string(status)))
        }
        let surfaceStatus = cairo_surface_status(surface)
        if surfaceStatus != CAIRO_STATUS_SUCCESS {
            throw FigureError.cairo(stage: stage, message: String(cString: cairo_status_to_string(surfaceStatus)))
        }
    }

    // MARK: paint state

    func setColor(_ color: Color, alpha: Double = 1) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, alpha)
    }

    func setLineWidth(_ width: Double) { cairo_set_line_width(context, width) }

    func save() { cairo_save(context) }
    func restore() { cairo_restore(context) }

    func clip(to rect: PlotRect) {
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
    }

    // MARK: shapes

    func line(from a: PlotPoint, to b: PlotPoint) {
        cairo_move_to(context, a.x, a.y)
        cairo_line_to(context, b.x, b.y)
        cairo_stroke(context)
    }

    func polyline(_ points: [PlotPoint]) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(context, p.x, p.y) }
        cairo_stroke(context)
    }

    func strokeRect(_ rect: PlotRect) {
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    func fillRect(_ rect: PlotRect) {
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    func fillDisc(center: PlotPoint, radius: Double) {
        cairo_new_sub_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * .pi)
        cairo_fill(context)
    }

    /// Draws `marker` centred at `center`: filled in `color`, outlined in a darker shade for the
    /// star and in white for the others (so overlapping markers stay apart).
    func marker(_ marker: Marker, at center: PlotPoint, size: Double, color: Color, alpha: Double = 1) {
        switch marker {
        case .disc:
            cairo_new_sub_path(context)
            cairo_arc(context, center.x, center.y, size, 0, 2 * .pi)
        case .square:
            cairo_rectangle(context, center.x - size, center.y - size, 2 * size, 2 * size)
        case .triangle:
            let r = size * 1.25
            cairo_move_to(context, center.x, center.y - r)
            cairo_line_to(context, center.x + r * 0.866, center.y + r * 0.5)
            cairo_line_to(context, center.x - r * 0.866, center.y + r * 0.5)
            cairo_close_path(context)
        case .star:
            starPath(center: center, outer: size)
        }
        setColor(color, alpha: alpha)
        cairo_fill_preserve(context)
        if marker == .star {
            setColor(color.darkened(0.55))
            setLineWidth(max(0.8, size * 0.11))
        } else {
            setColor(.white, alpha: alpha)
            setLineWidth(max(0.5, size * 0.22))
        }
        cairo_stroke(context)
    }

    /// A five-pointed star, one point straight up; inner radius 0.45 of the outer.
    private func starPath(center: PlotPoint, outer: Double) {
        let inner = outer * 0.45
        for k in 0..<10 {
            let radius = k.isMultiple(of: 2) ? outer : inner
            let angle = -Double.pi / 2 + Double(k) * Double.pi / 5
            let x = center.x + radius * cos(angle), y = center.y + radius * sin(angle)
            if k == 0 { cairo_move_to(context, x, y) } else { cairo_line_to(context, x, y) }
        }
        cairo_close_path(context)
    }

    // MARK: text

    /// Selects the font family at `size` points, regular or bold.
    func font(size: Double, bold: Bool = false) {
        cairo_select_font_face(context, fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    /// Advance width of `text` in the current font.
    func width(of text: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Advance width of `text` at `size`.
    func width(of text: String, size: Double, bold: Bool = false) -> Double {
        font(size: size, bold: bold)
        return width(of: text)
    }

    enum VerticalAnchor { case baseline, center, top, bottom }

    /// Draws `text` anchored at `point`: `horizontal` 0 = left edge, 0.5 = centre, 1 = right
    /// edge; `vertical` relative to cap height; `angle` in radians, counter-clockwise on paper.
    func text(_ text: String, at point: PlotPoint, size: Double, bold: Bool = false, color: Color = .ink,
              horizontal: Double = 0.5, vertical: VerticalAnchor = .baseline, angle: Double = 0) {
        font(size: size, bold: bold)
        let advance = width(of: text)
        let dy: Double
        switch vertical {
        case .baseline: dy = 0
        case .center: dy = size * 0.34
        case .top: dy = size * 0.70
        case .bottom: dy = -size * 0.22
        }
        save()
        setColor(color)
        cairo_translate(context, point.x, point.y)
        if angle != 0 { cairo_rotate(context, -angle) }
        cairo_move_to(context, -advance * horizontal, dy)
        cairo_show_text(context, text)
        restore()
    }
}

/// A rectangle in drawing coordinates (points, origin top-left, y down).
public struct PlotRect: Sendable, Equatable {
    /// Top-left corner and size.
    public var x, y, width, height: Double
    /// A rectangle from its corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    /// Right edge.
    public var maxX: Double { x + width }
    /// Bottom edge.
    public var maxY: Double { y + height }
    /// Centre point.
    public var center: PlotPoint { PlotPoint(x: x + width / 2, y: y + height / 2) }
}
