/// A point in data or drawing coordinates.
public struct PlotPoint: Sendable, Hashable {
    /// Horizontal and vertical coordinate.
    public var x, y: Double
    /// A point from its coordinates.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One class in a scatter panel: its points and, optionally, its centroid.
public struct ScatterSeries: Sendable, Equatable {
    /// Class name (used by tests and for the legend the caller builds).
    public var label: String
    /// Fill colour of points and centroid star.
    public var color: Color
    /// The projected samples.
    public var points: [PlotPoint]
    /// The class centroid, drawn as a large star with a darker outline.
    public var centroid: PlotPoint?

    /// A series from its parts.
    public init(label: String, color: Color, points: [PlotPoint], centroid: PlotPoint? = nil) {
        self.label = label
        self.color = color
        self.points = points
        self.centroid = centroid
    }
}

/// A scatter plot of projected features: small translucent discs per class, centroids as stars.
public struct ScatterPanel: Sendable, Equatable {
    /// Title above the panel (may be empty).
    public var title: String
    /// One series per class, drawn in order; centroids are drawn after all points.
    public var series: [ScatterSeries]
    /// Opacity of the point discs (the paper uses 0.6).
    public var pointAlpha: Double = 0.6
    /// Disc radius in points (1/72 inch).
    public var pointRadius: Double = 1.7
    /// Outer radius of a centroid star in points.
    public var starRadius: Double = 7.5
    /// Optional axis labels.
    public var xLabel: String?, yLabel: String?

    /// A scatter panel from its title and series.
    public init(title: String = "", series: [ScatterSeries], xLabel: String? = nil, yLabel: String? = nil) {
        self.title = title
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

/// Paired bars per category, e.g. η(S1) (expected below zero) next to η(S2) (expected above).
public struct BarPanel: Sendable, Equatable {
    /// A confidence interval drawn as an error bar.
    public struct Interval: Sendable, Equatable {
        /// Lower and upper end.
        public var lower, upper: Double
        /// An interval from its ends.
        public init(lower: Double, upper: Double) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// Title above the panel.
    public var title: String
    /// Category names along the x axis (rotated 35° when any is long).
    public var categories: [String]
    /// First bar of each pair (η(S1)).
    public var first: [Double]
    /// Second bar of each pair (η(S2)).
    public var second: [Double]
    /// Optional intervals for the first and second bars (same count as `categories`).
    public var firstIntervals: [Interval]?, secondIntervals: [Interval]?
    /// Colour of the first bars.
    public var firstColor: Color = Palette.color(0)
    /// Colour of the second bars.
    public var secondColor: Color = Palette.color(1)
    /// Label of the value axis.
    public var yLabel: String?

    /// A bar panel from categories and the two value rows.
    public init(title: String = "", categories: [String], first: [Double], second: [Double],
                firstIntervals: [Interval]? = nil, secondIntervals: [Interval]? = nil, yLabel: String? = nil) {
        self.title = title
        self.categories = categories
        self.first = first
        self.second = second
        self.firstIntervals = firstIntervals
        self.secondIntervals = secondIntervals
        self.yLabel = yLabel
    }
}

/// One line of a line panel.
public struct LineSeries: Sendable, Equatable {
    /// Name for the legend the caller builds.
    public var label: String
    /// Line and marker colour.
    public var color: Color
    /// One value per x category.
    public var values: [Double]
    /// Marker drawn at each value.
    public var marker: Marker
    /// Optional error bars, one per value (nil where there is none).
    public var intervals: [BarPanel.Interval?]? = nil
    /// Optional per value: true where the series has no value (its entry in ``values`` is ignored
    /// and the line breaks there), e.g. a group one file lacks.
    public var missing: [Bool]? = nil

    /// A series from its parts.
    public init(label: String, color: Color, values: [Double], marker: Marker = .disc,
                intervals: [BarPanel.Interval?]? = nil, missing: [Bool]? = nil) {
        self.label = label
        self.color = color
        self.values = values
        self.marker = marker
        self.intervals = intervals
        self.missing = missing
    }

    /// Whether value `i` is drawn.
    public func isPresent(_ i: Int) -> Bool { !(missing.map { i < $0.count && $0[i] } ?? false) }
}

/// y against x with markers, one line per series (e.g. top-1 accuracy against T per teacher α).
///
/// The x axis is categorical: the values in `xValues` are placed at equal spacing in the given
/// order and labelled with their text. For T ∈ {1, 2, 3, 64} this keeps the small temperatures
/// apart (a linear axis would crush them) and avoids pretending log2 spacing means anything.
public struct LinePanel: Sendable, Equatable {
    /// Title above the panel.
    public var title: String
    /// The x categories, in display order (e.g. ["1", "2", "3", "64"]).
    public var xValues: [String]
    /// The lines.
    public var series: [LineSeries]
    /// Axis labels.
    public var xLabel: String?, yLabel: String?

    /// A line panel from its parts.
    public init(title: String = "", xValues: [String], series: [LineSeries],
                xLabel: String? = nil, yLabel: String? = nil) {
        self.title = title
        self.xValues = xValues
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

/// One cell's content.
public enum Panel: Sendable, Equatable {
    /// A scatter plot.
    case scatter(ScatterPanel)
    /// A paired bar chart.
    case bar(BarPanel)
    /// A line chart with a categorical x axis.
    case line(LinePanel)

    /// The panel's title.
    public var title: String {
        switch self {
        case .scatter(let p): return p.title
        case .bar(let p): return p.title
        case .line(let p): return p.title
        }
    }
}

/// A marker shape used in lines and legends.
public enum Marker: Sendable, Equatable {
    /// A filled circle.
    case disc
    /// A filled square.
    case square
    /// A filled triangle pointing up.
    case triangle
    /// A five-pointed star with a darker outline (centroids).
    case star
}

/// One entry of the figure's shared legend.
public struct LegendEntry: Sendable, Equatable {
    /// Text next to the marker.
    public var label: String
    /// Marker colour.
    public var color: Color
    /// Marker shape.
    public var marker: Marker
    /// Draws a short line through the marker (for line series).
    public var showsLine: Bool

    /// An entry from its parts.
    public init(label: String, color: Color, marker: Marker = .disc, showsLine: Bool = false) {
        self.label = label
        self.color = color
        self.marker = marker
        self.showsLine = showsLine
    }

    /// One disc entry per class name, coloured in palette order.
    public static func classes(_ names: [String]) -> [LegendEntry] {
        names.enumerated().map { LegendEntry(label: $0.element, color: Palette.color($0.offset)) }
    }
}
