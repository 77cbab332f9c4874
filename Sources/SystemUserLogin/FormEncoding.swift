/// `application/x-www-form-urlencoded` as the login service's forms and the API's query strings are written.
public enum FormEncoding {
    /// Every byte but RFC 3986's unreserved ones as `%XX` (a space as `%20`, never `+`); `uppercase: false` gives
    /// the other spelling of the same escapes, which a redactor must also recognise.
    public static func escape(_ text: String, uppercase: Bool = true) -> String {
        let hex: [UInt8] = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
