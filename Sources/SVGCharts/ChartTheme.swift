/// How the parts of a chart's frame look: `css` names them by class for a page's stylesheet,
/// `standalone` styles them with presentation attributes for an SVG file of its own. Data (bars,
/// lines, symbols) carry their own `SVGStyle`.
package struct ChartTheme: Sendable {
    /// Attributes of the root `<svg>`, before its geometry.
    package var root: SVGStyle
    /// A rectangle under the whole chart, if any.
    package var background: SVGStyle?
    /// Grid lines of major and of minor ticks.
    package var grid: SVGStyle, minorGrid: SVGStyle
    /// Labels of major and of minor ticks.
    package var tick: SVGStyle, minorTick: SVGStyle
    /// The axis lines, or the box around the plot area.
    package var axis: SVGStyle
    /// Whether a box frames the plot area (else two axis lines, left and bottom).
    package var boxed: Bool
    /// The axes' names.
    package var axisLabel: SVGStyle
    /// A vertical marker line and its label.
    package var marker: SVGStyle, markerLabel: SVGStyle
    /// The value written above a bar.
    package var value: SVGStyle
    /// Legend labels.
    package var legend: SVGStyle
    /// The title and subtitle above the plot.
    package var title: SVGStyle, subtitle: SVGStyle

    /// Classes `chart`, `grid` (`grid minor`), `tick` (`tick minor`), `axis`, `axis-label`, `marker`,
    /// `marker-label`, `value`, `legend`, `title` and `subtitle`; two axis lines.
    package static let css = ChartTheme(
        root: .cssClass("chart"), background: nil, grid: .cssClass("grid"), minorGrid: .cssClass("grid minor"),
        tick: .cssClass("tick"), minorTick: .cssClass("tick minor"), axis: .cssClass("axis"), boxed: false,
        axisLabel: .cssClass("axis-label"), marker: .cssClass("marker"), markerLabel: .cssClass("marker-label"),
        value: .cssClass("value"), legend: .cssClass("legend"), title: .cssClass("title"), subtitle: .cssClass("subtitle"))

    /// Black on white in 12-pixel Helvetica, grey grid lines, a boxed plot area.
    package static let standalone = ChartTheme(
        root: ["xmlns": "http://www.w3.org/2000/svg", "font-family": "Helvetica, Arial, sans-serif", "font-size": "12"],
        background: ["fill": "white"], grid: ["stroke": "#ccc"], minorGrid: ["stroke": "#eee"], tick: ["fill": "#000"],
        minorTick: ["fill": "#888"], axis: ["fill": "none", "stroke": "#000"], boxed: true, axisLabel: [:],
        marker: ["stroke": "#d1495b", "stroke-dasharray": "5 4"], markerLabel: ["fill": "#d1495b"], value: ["fill": "#555"],
        legend: [:], title: ["font-size": "16", "font-weight": "bold"], subtitle: ["fill": "#555"])
}
