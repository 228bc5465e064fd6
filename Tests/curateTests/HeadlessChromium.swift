import Foundation
import XCTest

/// Renders a local HTML file in headless Chromium (Debian's `chromium`, which `make test`
/// installs): a screenshot, what the page wrote to the console, and how much of the screenshot
/// is not background.
enum HeadlessChromium {
    /// One rendering.
    struct Rendering {
        /// The console messages (errors, warnings, logs, content-security-policy violations).
        var console: [String]
        /// Pixels in the screenshot, and those that differ from its top-left pixel.
        var pixels: Int
        var inked: Int
        /// Distinct colours in the screenshot.
        var colours: Int
        var inkedShare: Double { pixels == 0 ? 0 : Double(inked) / Double(pixels) }
    }

    /// The browser: `CURATE_CHROMIUM` when set, else the first of chromium, chromium-browser,
    /// google-chrome on the `PATH`.
    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["CURATE_CHROMIUM"] { return URL(fileURLWithPath: path) }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return URL(fileURLWithPath: "\(directory)/\(name)")
            }
        }
        throw BrowserMissing()
    }

    struct BrowserMissing: Error, CustomStringConvertible {
        var description: String { "no chromium on the PATH: install Debian's chromium (make test does) or set CURATE_CHROMIUM" }
    }

    /// Renders `page` in a `width`×`height` window and writes the screenshot to `screenshot`.
    static func render(_ page: URL, screenshot: URL, width: Int = 1000, height: Int = 1400) throws -> Rendering {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("curate-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try CurateProcess.run(executable: URL(fileURLWithPath: "/usr/bin/timeout"), [
            "120", try executable().path, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
            "--window-size=\(width),\(height)", "--screenshot=\(screenshot.path)", page.absoluteString,
        ])
        guard result.status == 0, FileManager.default.fileExists(atPath: screenshot.path) else {
            throw RenderFailed(status: result.status, stderr: result.stderr)
        }
        // Chromium logs every console message of the page as `...:CONSOLE(line)] "text", source: ...`.
        let console = result.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        let stats = try pngStatistics(screenshot)
        return Rendering(console: console, pixels: stats[0], inked: stats[1], colours: stats[2])
    }

    struct RenderFailed: Error, CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "chromium exited with \(status): \(stderr.suffix(2000))" }
    }

    /// [pixels, pixels unlike the top-left one, distinct colours] of an 8-bit RGB(A) PNG, decoded
    /// with Python's zlib (PNG filters undone by hand).
    static func pngStatistics(_ png: URL) throws -> [Int] {
        let result = try CurateProcess.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", pngScript, png.path])
        guard result.status == 0 else { throw RenderFailed(status: result.status, stderr: result.stderr) }
        return result.stdoutText.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private static let pngScript = """
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
        pos, idat = 8, b''
        while pos < len(data):
            size, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + size]
            if kind == b'IHDR':
                width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            elif kind == b'IDAT':
                idat += body
            pos += 12 + size
        assert depth == 8 and colour in (2, 6), 'expected 8-bit RGB or RGBA'
        bpp = 3 if colour == 2 else 4
        raw, stride = zlib.decompress(idat), width * bpp
        rows, prev, i = [], bytearray(stride), 0
        for _ in range(height):
            kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
            i += 1 + stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                if kind == 1: line[x] = (line[x] + a) & 255
                elif kind == 2: line[x] = (line[x] + b) & 255
                elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            rows.append(bytes(line))
            prev = line
        background = rows[0][:3]
        inked, colours = 0, set()
        for line in rows:
            for x in range(0, stride, bpp):
                pixel = line[x:x + 3]
                colours.add(pixel)
                if pixel != background: inked += 1
        print(width * height, inked, len(colours))
        """
}
