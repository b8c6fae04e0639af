/// An sRGB colour with straight (not premultiplied) alpha.
public struct Color: Sendable, Hashable {
    /// Red, 0–255.
    public var red: UInt8
    /// Green, 0–255.
    public var green: UInt8
    /// Blue, 0–255.
    public var blue: UInt8
    /// Opacity, 0 (transparent) – 255 (opaque).
    public var alpha: UInt8

    /// A colour from its components.
    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// A colour from a `0xRRGGBB` literal.
    public init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(
            red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF),
            alpha: alpha)
    }

    /// The same colour with another opacity (0…1).
    public func opacity(_ value: Double) -> Color {
        var copy = self
        copy.alpha = UInt8((min(max(value, 0), 1) * 255).rounded())
        return copy
    }

    /// Opaque white.
    public static let white = Color(hex: 0xFFFFFF)
    /// Opaque black.
    public static let black = Color(hex: 0x000000)
    /// The dark grey used for text.
    public static let text = Color(hex: 0x262626)
    /// The grey used for axis lines and ticks.
    public static let axis = Color(hex: 0x595959)
    /// The light grey used for grid lines.
    public static let grid = Color(hex: 0xE6E6E6)
    /// A green for right answers (matplotlib's "green").
    public static let green = Color(hex: 0x008000)
    /// A red for wrong answers (matplotlib's "red").
    public static let red = Color(hex: 0xD62728)

    /// Matplotlib's `tab10` palette, the default colour cycle.
    public static let tab10: [Color] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { Color(hex: $0) }

    /// The `index`-th colour of the ``tab10`` cycle (wrapping around).
    public static func cycle(_ index: Int) -> Color {
        tab10[((index % tab10.count) + tab10.count) % tab10.count]
    }

    /// Matplotlib's `Blues` colormap at `t` ∈ [0, 1] (ColorBrewer's nine stops, linearly interpolated).
    public static func blues(_ t: Double) -> Color {
        let stops: [UInt32] = [
            0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B,
        ]
        let clamped = t.isFinite ? min(max(t, 0), 1) : 0
        let position = clamped * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let fraction = position - Double(index)
        let a = Color(hex: stops[index])
        let b = Color(hex: stops[index + 1])
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 {
            UInt8((Double(x) + (Double(y) - Double(x)) * fraction).rounded())
        }
        return Color(red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
    }
}
