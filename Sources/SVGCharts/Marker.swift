/// The symbol drawn at a data point: a circle or a square centred on it.
///
/// ```swift
/// Marker(.circle(radius: 3), .cssClass("dot s0")).svg(x: 120, y: 40, hover: "0.82: 412 clusters")
/// ```
package struct Marker: Sendable {
    /// The symbol's outline, in pixels.
    package enum Shape: Sendable {
        case circle(radius: Int)
        case square(side: Int)
    }

    /// The outline.
    package var shape: Shape
    /// How it is filled and stroked.
    package var style: SVGStyle

    /// A `shape` styled by `style`.
    package init(_ shape: Shape, _ style: SVGStyle) {
        self.shape = shape
        self.style = style
    }

    /// The symbol centred at pixel (x, y), with `hover` as its hover text when given.
    package func svg(x: Double, y: Double, hover: String? = nil) -> String {
        switch shape {
        case let .circle(radius): SVG.element("circle", style, ["cx": x, "cy": y, "r": radius], title: hover)
        case let .square(side):
            SVG.element("rect", style, ["x": x - Double(side) / 2, "y": y - Double(side) / 2, "width": side, "height": side], title: hover)
        }
    }
}
