/// Data points on two axes, drawn as symbols with hover text and joined by lines where a
/// series has them; with an optional title, marker line and legend. A scatter chart is one
/// without lines.
///
/// ```swift
/// let frame = ChartFrame(x: .linear(0.7...0.95), y: .linear(0...500))
/// let points = [(x: 0.7, y: 120.0), (x: 0.8, y: 310), (x: 0.95, y: 480)]
/// let chart = LineChart(frame: frame,
///                       x: ChartAxis(label: "threshold", ticks: Tick.round(over: frame.x.domain), grid: false),
///                       y: ChartAxis(label: "clusters", ticks: Tick.round(over: frame.y.domain), grid: true),
///                       series: [.init(lines: [.init(points: points, style: .cssClass("line"))],
///                                      dots: points.map { .init(x: $0.x, y: $0.y, marker: Marker(.circle(radius: 3), .cssClass("dot")),
///                                                               hover: "\($0.y) clusters") })])
/// let svg = chart.svg(label: "clusters by threshold")
/// ```
package struct LineChart: Sendable {
    /// A line through data points in one style.
    package struct Line: Sendable {
        /// The points joined, in data values, in order.
        package var points: [(x: Double, y: Double)]
        /// The line's style (give a `polyline` `fill: none` when not styled by CSS).
        package var style: SVGStyle

        /// A line through `points` styled by `style`.
        package init(points: [(x: Double, y: Double)], style: SVGStyle) {
            self.points = points
            self.style = style
        }
    }

    /// A data point's symbol and hover text.
    package struct Dot: Sendable {
        /// Where it is, in data values.
        package var x: Double, y: Double
        /// Its symbol.
        package var marker: Marker
        /// Its hover text.
        package var hover: String

        /// A dot at (x, y) drawn as `marker` with hover text `hover`.
        package init(x: Double, y: Double, marker: Marker, hover: String) {
            self.x = x
            self.y = y
            self.marker = marker
            self.hover = hover
        }
    }

    /// A series: its lines, then its dots over them.
    package struct Series: Sendable {
        /// The lines, drawn first.
        package var lines: [Line]
        /// The dots, drawn in order (later ones on top).
        package var dots: [Dot]

        /// A series of `lines` and `dots`.
        package init(lines: [Line] = [], dots: [Dot]) {
            self.lines = lines
            self.dots = dots
        }
    }

    /// The canvas and scales.
    package var frame: ChartFrame
    /// The axes.
    package var x: ChartAxis, y: ChartAxis
    /// The series, drawn in order.
    package var series: [Series]
    /// A title and a subtitle in the top margin.
    package var caption: (title: String, subtitle: String)?
    /// A vertical marker line at a value, with its label.
    package var marker: (value: Double, label: String)?
    /// The key.
    package var legend: Legend?

    /// A chart of `series` in `frame` with these axes, caption, marker line and legend.
    package init(frame: ChartFrame, x: ChartAxis, y: ChartAxis, series: [Series], caption: (title: String, subtitle: String)? = nil,
                marker: (value: Double, label: String)? = nil, legend: Legend? = nil) {
        self.frame = frame
        self.x = x
        self.y = y
        self.series = series
        self.caption = caption
        self.marker = marker
        self.legend = legend
    }

    /// The chart as an `<svg>` element labelled `label`.
    package func svg(label: String) -> String {
        var svg = ""
        if let caption {
            svg += SVG.element("text", frame.theme.title, ["x": frame.left, "y": 24], text: caption.title)
            svg += SVG.element("text", frame.theme.subtitle, ["x": frame.left, "y": 44], text: caption.subtitle)
        }
        svg += frame.axes(x: x, y: y)
        if let marker { svg += frame.marker(at: marker.value, label: marker.label) }
        for one in series {
            for line in one.lines { svg += SVG.polyline(line.points.map { (frame.px($0.x), frame.py($0.y)) }, line.style) }
            for dot in one.dots { svg += dot.marker.svg(x: frame.px(dot.x), y: frame.py(dot.y), hover: dot.hover) }
        }
        return frame.svg(label: label, body: svg + (legend?.svg(in: frame) ?? ""))
    }
}
