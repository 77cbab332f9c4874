#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The key a state's secrets are hashed with: 32 random bytes, kept apart from the state (a file beside it, mode
/// 0600, or a row of the database), so that a state file alone (in git, in a backup) does not let anyone test
/// guesses of a secret against its hash.
public enum SecretKey {
    public static let byteCount = 32

    /// 32 bytes from the system's random source.
    public static func random() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Lowercase hex and a newline, as the key file holds it.
    public static func text(_ key: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.count * 2 + 1)
        for byte in key {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The key a text holds, or nil when it is not 64 hex digits (surrounding whitespace aside).
    public static func parse(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        guard digits.count == byteCount * 2 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var key: [UInt8] = []
        key.reserveCapacity(byteCount)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            key.append(high << 4 | low)
            index += 2
        }
        return key
    }
}

extension LocalStateBackend {
    /// `<state file>.key`: the key of the state's secret hashes. Keep it out of git, and with the state when the
    /// state moves (`state migrate` carries it).
    public var keyPath: String { path + ".key" }

    public func secretKey(create: Bool) throws(StateError) -> [UInt8]? {
        if let key = try readKey() { return key }
        guard create else { return nil }
        try FileSystem.createDirectory(of: keyPath)
        // Made beside and linked into place: two runs that make it at once end with one key, the first one's.
        try FileSystem.createExclusively(keyPath, with: Array((SecretKey.text(SecretKey.random()) + "\n").utf8))
        guard let key = try readKey() else {
            throw StateError.io("\(keyPath) was made but cannot be read back")
        }
        return key
    }

    public func copyInSecretKey(_ key: [UInt8]) throws(StateError) {
        if let existing = try readKey() {
            guard existing == key else {
                throw StateError.conflict("\(keyPath) already holds another key; migrate copies the key only where there is none, and nothing was changed")
            }
            return
        }
        try FileSystem.createDirectory(of: keyPath)
        try FileSystem.createExclusively(keyPath, with: Array((SecretKey.text(key) + "\n").utf8))
    }

    private func readKey() throws(StateError) -> [UInt8]? {
        guard let file = try FileSystem.read(keyPath) else { return nil }
        guard let key = SecretKey.parse(String(decoding: file.bytes, as: UTF8.self)) else {
            throw StateError.corrupt("\(keyPath) is not a key (64 hex digits); restore it from where the state is kept. It was not changed")
        }
        return key
    }
}

extension FileSystem {
    /// Writes `bytes` to a new file at `path`, mode 0600, durably; when `path` already exists it is left as it is.
    static func createExclusively(_ path: String, with bytes: [UInt8]) throws(StateError) {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("create", temporary, errno: errno) }
        defer { unlink(temporary) }
        do throws(StateError) {
            guard fchmod(fd, 0o600) == 0 else { throw .io("set the mode of", temporary, errno: errno) }
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw .io("fsync", temporary, errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard link(temporary, path) == 0 || errno == EEXIST else { throw .io("link \(temporary) to", path, errno: errno) }
        try syncDirectory(of: path)
    }
}
