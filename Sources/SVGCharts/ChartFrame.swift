/// An axis of a chart: its name, its ticks, and whether they draw grid lines across the plot.
package struct ChartAxis: Sendable {
    /// The axis's name, written beside it.
    package var label: String
    /// The ticks, labelled.
    package var ticks: [Tick]
    /// Whether each tick draws a line across the plot area.
    package var grid: Bool

    /// An axis named `label` with `ticks`, and grid lines if `grid`.
    package init(label: String, ticks: [Tick], grid: Bool) {
        self.label = label
        self.ticks = ticks
        self.grid = grid
    }
}

/// A chart's canvas: its size, the margins around the plot area, the scales of the two axes
/// and the theme. Pixel coordinates grow right and down.
///
/// ```swift
/// let frame = ChartFrame(x: .linear(0...1), y: .linear(0...100))
/// let svg = frame.svg(label: "count by share", body: frame.axes(
///     x: ChartAxis(label: "share", ticks: Tick.round(over: frame.x.domain), grid: false),
///     y: ChartAxis(label: "count", ticks: Tick.round(over: frame.y.domain), grid: true)))
/// ```
package struct ChartFrame: Sendable {
    /// Size of the canvas.
    package var width: Double, height: Double
    /// Margins between the canvas's edges and the plot area.
    package var left: Double, right: Double, top: Double, bottom: Double
    /// Scales of the horizontal and the vertical axis.
    package var x: Scale, y: Scale
    /// How the frame looks.
    package var theme: ChartTheme

    /// A canvas of `width` × `height` pixels with these margins, scales and theme.
    package init(width: Double = 960, height: Double = 300, left: Double = 70, right: Double = 20, top: Double = 16,
                bottom: Double = 46, x: Scale, y: Scale, theme: ChartTheme = .css) {
        self.width = width
        self.height = height
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
        self.x = x
        self.y = y
        self.theme = theme
    }

    /// Width of the plot area.
    package var plotWidth: Double { width - left - right }
    /// Height of the plot area.
    package var plotHeight: Double { height - top - bottom }
    /// The pixel column of `value` on the horizontal axis.
    package func px(_ value: Double) -> Double { left + x.fraction(value) * plotWidth }
    /// The pixel row of `value` on the vertical axis.
    package func py(_ value: Double) -> Double { top + plotHeight - y.fraction(value) * plotHeight }

    /// The whole chart: the `<svg>` element, labelled `label` for assistive technology, holding
    /// the theme's background and `body`.
    package func svg(label: String, body: String) -> String {
        SVG.open("svg", theme.root, ["role": "img", "aria-label": label, "viewBox": "0 0 \(Int(width)) \(Int(height))",
                                     "width": Int(width), "height": Int(height)])
            + (theme.background.map { SVG.element("rect", $0, ["width": "100%", "height": "100%"]) } ?? "") + body + "</svg>"
    }

    /// Grid lines, the axis lines (or box), tick labels and the axes' names.
    package func axes(x: ChartAxis, y: ChartAxis) -> String {
        var svg = ""
        let base = top + plotHeight
        for tick in y.ticks {
            let row = py(tick.value)
            if y.grid { svg += SVG.element("line", tick.isMajor ? theme.grid : theme.minorGrid, ["x1": left, "x2": width - right, "y1": row, "y2": row]) }
            svg += SVG.element("text", tick.isMajor ? theme.tick : theme.minorTick,
                               ["x": left - 6, "y": row, "text-anchor": "end", "dy": "0.32em"], text: tick.label)
        }
        for tick in x.ticks where x.grid {
            let column = px(tick.value)
            svg += SVG.element("line", tick.isMajor ? theme.grid : theme.minorGrid, ["x1": column, "x2": column, "y1": top, "y2": base])
        }
        if theme.boxed {
            svg += SVG.element("rect", theme.axis, ["x": left, "y": top, "width": plotWidth, "height": plotHeight])
        } else {
            svg += SVG.element("line", theme.axis, ["x1": left, "x2": width - right, "y1": base, "y2": base])
            svg += SVG.element("line", theme.axis, ["x1": left, "x2": left, "y1": top, "y2": base])
        }
        for tick in x.ticks {
            svg += SVG.element("text", tick.isMajor ? theme.tick : theme.minorTick, ["x": px(tick.value), "y": base + 16, "text-anchor": "middle"],
                               text: tick.label)
        }
        svg += SVG.element("text", theme.axisLabel, ["x": left + plotWidth / 2, "y": height - 6, "text-anchor": "middle"], text: x.label)
        return svg + SVG.element("text", theme.axisLabel, ["transform": "rotate(-90)", "x": -(top + plotHeight / 2), "y": 16,
                                                           "text-anchor": "middle"], text: y.label)
    }

    /// A dashed vertical line at `value` across the plot, with `label` at its top.
    package func marker(at value: Double, label: String) -> String {
        let column = px(value)
        return SVG.element("line", theme.marker, ["x1": column, "x2": column, "y1": top, "y2": top + plotHeight])
            + SVG.element("text", theme.markerLabel, ["x": column + 5, "y": top + 12], text: label)
    }
}
