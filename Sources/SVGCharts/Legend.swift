/// A chart's key: entries of a swatch and a label, side by side in a row or stacked in groups.
package enum Legend: Sendable {
    /// Entries side by side, 12-pixel swatches, centred on the row `y` (the top margin, say).
    case row([Entry])
    /// Groups of entries stacked 19 pixels apart (8 more between groups), 26-pixel swatches,
    /// beside the plot area (in the right margin).
    case column([[Entry]])

    /// A swatch and what it stands for.
    package struct Entry: Sendable {
        /// What the entry shows.
        package var swatch: Swatch
        /// What it stands for.
        package var label: String

        /// An entry showing `swatch` for `label`.
        package init(_ swatch: Swatch, _ label: String) {
            self.swatch = swatch
            self.label = label
        }
    }

    /// What an entry shows.
    package enum Swatch: Sendable {
        /// A 12-pixel square in a style.
        case box(SVGStyle)
        /// A stretch of line in a style.
        case line(SVGStyle)
        /// A data point's symbol.
        case marker(Marker)
    }

    /// The legend of a chart in `frame`: a row centred 12 pixels from the top of the canvas, a
    /// column 18 pixels right of the plot area from 8 pixels below its top.
    func svg(in frame: ChartFrame) -> String {
        var svg = ""
        switch self {
        case let .row(entries):
            var x = frame.left
            for entry in entries {
                svg += Self.svg(entry, x: x, y: 12, swatchWidth: 12, gap: 5, theme: frame.theme)
                x += 24 + Double(entry.label.count) * 7
            }
        case let .column(groups):
            var y = frame.top + 8
            for group in groups {
                for entry in group {
                    svg += Self.svg(entry, x: frame.left + frame.plotWidth + 18, y: y, swatchWidth: 26, gap: 8, theme: frame.theme)
                    y += 19
                }
                y += 8
            }
        }
        return svg
    }

    /// `entry` with its swatch from `x`, centred on row `y`, and its label `gap` pixels after it.
    private static func svg(_ entry: Entry, x: Double, y: Double, swatchWidth: Int, gap: Int, theme: ChartTheme) -> String {
        let swatch = switch entry.swatch {
        case let .box(style): SVG.element("rect", style, ["x": x, "y": y - 6, "width": 12, "height": 12])
        case let .line(style): SVG.element("line", style, ["x1": x, "y1": y, "x2": x + Double(swatchWidth), "y2": y])
        case let .marker(marker): marker.svg(x: x + 6, y: y)
        }
        return swatch + SVG.element("text", theme.legend, ["x": x + Double(swatchWidth + gap), "y": y + 4], text: entry.label)
    }
}
