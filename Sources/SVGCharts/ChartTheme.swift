/// How the parts of a chart's frame look: `css` names them by class for a page's stylesheet,
/// `standalone` styles them with presentation attributes for an SVG file of its own. Data (bars,
/// lines, symbols) carry their own `SVGStyle`.
public struct ChartTheme: Sendable {
    /// Attributes of the root `<svg>`, before its geometry.
    public var root: SVGStyle
    /// A rectangle under the whole chart, if any.
    public var background: SVGStyle?
    /// Grid lines of major and of minor ticks.
    public var grid: SVGStyle, minorGrid: SVGStyle
    /// Labels of major and of minor ticks.
    public var tick: SVGStyle, minorTick: SVGStyle
    /// The axis lines, or the box around the plot area.
    public var axis: SVGStyle
    /// Whether a box frames the plot area (else two axis lines, left and bottom).
    public var boxed: Bool
    /// The axes' names.
    public var axisLabel: SVGStyle
    /// A vertical marker line and its label.
    public var marker: SVGStyle, markerLabel: SVGStyle
    /// The value written above a bar.
    public var value: SVGStyle
    /// Legend labels.
    public var legend: SVGStyle
    /// The title and subtitle above the plot.
    public var title: SVGStyle, subtitle: SVGStyle

    /// Classes `chart`, `grid` (`grid minor`), `tick` (`tick minor`), `axis`, `axis-label`, `marker`,
    /// `marker-label`, `value`, `legend`, `title` and `subtitle`; two axis lines.
    public static let css = ChartTheme(
        root: .cssClass("chart"), background: nil, grid: .cssClass("grid"), minorGrid: .cssClass("grid minor"),
        tick: .cssClass("tick"), minorTick: .cssClass("tick minor"), axis: .cssClass("axis"), boxed: false,
        axisLabel: .cssClass("axis-label"), marker: .cssClass("marker"), markerLabel: .cssClass("marker-label"),
        value: .cssClass("value"), legend: .cssClass("legend"), title: .cssClass("title"), subtitle: .cssClass("subtitle"))

    /// Black on white in 12-pixel Helvetica, grey grid lines, a boxed plot area.
    public static let standalone = ChartTheme(
        root: ["xmlns": "http://www.w3.org/2000/svg", "font-family": "Helvetica, Arial, sans-serif", "font-size": "12"],
        background: ["fill": "white"], grid: ["stroke": "#ccc"], minorGrid: ["stroke": "#eee"], tick: ["fill": "#000"],
        minorTick: ["fill": "#888"], axis: ["fill": "none", "stroke": "#000"], boxed: true, axisLabel: [:],
        marker: ["stroke": "#d1495b", "stroke-dasharray": "5 4"], markerLabel: ["fill": "#d1495b"], value: ["fill": "#555"],
        legend: [:], title: ["font-size": "16", "font-weight": "bold"], subtitle: ["fill": "#555"])
}
