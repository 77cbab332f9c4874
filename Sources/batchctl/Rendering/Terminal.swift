#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import YAML

/// Standard output and error as byte streams, and whether they are terminals that want colour.
enum Terminal {
    /// Writes all of `bytes` to a file descriptor, retrying after partial writes and interrupts.
    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    static func out(_ text: String) { write(Array(text.utf8), to: 1) }
    static func err(_ text: String) { write(Array(text.utf8), to: 2) }

    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
    static func usesColor(_ descriptor: Int32) -> Bool {
        guard isTerminal(descriptor) else { return false }
        return ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}

/// Collects output and writes it in large chunks: render of 100,000 tasks makes tens of megabytes.
struct BufferedOutput {
    private var buffer: [UInt8] = []
    private let descriptor: Int32
    private let chunk = 1 << 20

    init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        buffer.reserveCapacity(chunk + 4096)
    }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunk { flush() }
    }

    mutating func append<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        if buffer.count + bytes.count >= chunk {
            flush()
            if bytes.count >= chunk {
                Terminal.write(Array(bytes), to: descriptor)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        Terminal.write(buffer, to: descriptor)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// ANSI styles, applied only when the stream uses colour.
struct Style {
    let enabled: Bool

    func bold(_ s: String) -> String { wrap(s, "1") }
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func dim(_ s: String) -> String { wrap(s, "2") }

    private func wrap(_ s: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}

/// Ends the process with `code` once a command's output is written. Freeing a 100,000-task expansion object by
/// object took a third of a second; the kernel takes the memory back at once.
func exitAfterOutput(_ code: Int32 = 0) -> Never {
    exit(code)
}

/// The one rule for text that came from a manifest, a state or a server on its way to a terminal: control
/// characters (C0, DEL, C1) and the bidirectional overrides that reorder what a reader sees are written as escapes
/// (`\n`, `\t`, `\u{1B}`), so no such text can move the cursor, recolour the screen or hide what follows. Our own
/// colours are added after it, never to the text it escapes.
enum TerminalText {
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    /// Whether `scalar` is written as an escape: the rule YAML output follows too.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        YAMLWriter.needsEscape(scalar)
    }
}
