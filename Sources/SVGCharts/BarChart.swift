/// Bars over spans of the horizontal axis, each with hover text and optionally its value
/// written above it, and an optional marker line. A histogram's spans are its bins; a chart of
/// categories gives category i the span around i + 0.5 and a tick there.
///
/// ```swift
/// let frame = ChartFrame(x: .linear(0...2), y: .linear(0...10))
/// let bars = [BarChart.Bar(lower: 0.15, upper: 0.85, value: 4, style: .cssClass("bar"), hover: "4 small", caption: "4"),
///             BarChart.Bar(lower: 1.15, upper: 1.85, value: 9, style: .cssClass("bar"), hover: "9 large", caption: "9")]
/// let ticks = [Tick(value: 0.5, label: "small"), Tick(value: 1.5, label: "large")]
/// let svg = BarChart(frame: frame, x: ChartAxis(label: "size", ticks: ticks, grid: false),
///                    y: ChartAxis(label: "groups", ticks: Tick.round(over: frame.y.domain), grid: true), bars: bars)
///     .svg(label: "groups by size")
/// ```
package struct BarChart: Sendable {
    /// A bar from 0 up to its value.
    package struct Bar: Sendable {
        /// Its span on the horizontal axis, in data values.
        package var lower: Double, upper: Double
        /// Its height, in data values; bars of 0 are not drawn (their caption is).
        package var value: Double
        /// Its fill.
        package var style: SVGStyle
        /// Its hover text.
        package var hover: String
        /// Text written above it, if any.
        package var caption: String?

        /// A bar over [lower, upper] up to `value`.
        package init(lower: Double, upper: Double, value: Double, style: SVGStyle, hover: String, caption: String? = nil) {
            self.lower = lower
            self.upper = upper
            self.value = value
            self.style = style
            self.hover = hover
            self.caption = caption
        }
    }

    /// The canvas and scales.
    package var frame: ChartFrame
    /// The axes.
    package var x: ChartAxis, y: ChartAxis
    /// The bars, drawn in order.
    package var bars: [Bar]
    /// Pixels left blank at the right of each bar (at least half a pixel of it is drawn).
    package var gap: Double
    /// A vertical marker line at a value, with its label.
    package var marker: (value: Double, label: String)?

    /// A chart of `bars` in `frame` with these axes, gap and marker line.
    package init(frame: ChartFrame, x: ChartAxis, y: ChartAxis, bars: [Bar], gap: Double = 0, marker: (value: Double, label: String)? = nil) {
        self.frame = frame
        self.x = x
        self.y = y
        self.bars = bars
        self.gap = gap
        self.marker = marker
    }

    /// The chart as an `<svg>` element labelled `label`.
    package func svg(label: String) -> String {
        var svg = frame.axes(x: x, y: y)
        for bar in bars {
            let x0 = frame.px(bar.lower), x1 = frame.px(bar.upper), top = frame.py(bar.value)
            if bar.value > 0 {
                svg += SVG.element("rect", bar.style, ["x": x0, "y": top, "width": max(x1 - x0 - gap, 0.5), "height": frame.py(0) - top],
                                   title: bar.hover)
            }
            if let caption = bar.caption {
                svg += SVG.element("text", frame.theme.value, ["x": (x0 + x1) / 2, "y": top - 4, "text-anchor": "middle"], text: caption)
            }
        }
        if let marker { svg += frame.marker(at: marker.value, label: marker.label) }
        return frame.svg(label: label, body: svg)
    }
}
