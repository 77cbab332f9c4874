import NIOHTTP1

/// RFC 9110 §7.2's Host, `uri-host [ ":" port ]`, and RFC 9112 §3.2's rule on how many a request has.
public enum HostHeader {
    /// Why the request's Host lines are refused (400), nil when they are fine: an HTTP/1.1 request has exactly one,
    /// an HTTP/1.0 request at most one, and the one there is has Host's syntax.
    ///
    /// Our choice: the Host is checked for its syntax only, not against the names of this server. Nothing the
    /// emulator writes depends on it (`ServerOrigin`), and a client may reach it by any name.
    public static func problem(_ head: HTTPRequestHead) -> String? {
        let hosts = head.headers["Host"]
        if hosts.count > 1 { return "the request has more than one Host header" }
        guard let host = hosts.first else {
            let isHTTP11 = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
            return isHTTP11 ? "an HTTP/1.1 request must have a Host header" : nil
        }
        return isValid(host) ? nil : "the Host header is not host[:port]"
    }

    /// Whether `value` is `host[:port]`: the host an IP literal in brackets, or a registered name or IPv4 address.
    static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var index = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1,
                  bytes[1..<close].allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return false }
            index = close + 1
        } else {
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                guard isRegisteredNameByte(bytes[index]) else { return false }
                index += 1
            }
            // Our choice: an empty host is refused (RFC 9110 §4.2.1: an "http" URI has a host).
            guard index > 0 else { return false }
        }
        guard index < bytes.count else { return true }
        guard bytes[index] == UInt8(ascii: ":") else { return false }
        return bytes[(index + 1)...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    /// RFC 3986's reg-name (which covers IPv4 addresses): unreserved, pct-encoded (`%` and hex digits) and
    /// sub-delims.
    private static func isRegisteredNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Self.registeredNamePunctuation.contains(byte)
        }
    }

    private static let registeredNamePunctuation = Set("-._~%!$&'()*+,;=".utf8)
}
