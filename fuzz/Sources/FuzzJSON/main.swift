import FuzzCommon
import JSON

/// The JSON parser, plain and capturing: both accept the same inputs, and a parsed value written out (compact and
/// pretty) parses back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let plain = try? JSONValue.parse(bytes)
    let captured = try? JSONValue.parse(bytes, capturing: "applied", atDepth: 3)
    require((plain == nil) == (captured == nil),
            "parse and parse(capturing:) disagree: \(plain == nil ? "rejected" : "accepted") vs \(captured == nil ? "rejected" : "accepted")")
    if let value = plain {
        for pretty in [false, true] {
            let written = value.serializedBytes(pretty: pretty)
            let again = try? JSONValue.parse(written)
            require(again == value, "round trip (pretty: \(pretty)) changed \(value) into \(again.map(\.description) ?? "an error")")
        }
    }
    if let texts = captured?.captured {
        for text in texts {
            require((try? JSONValue.parse(text)) != nil, "a captured text does not parse: \(String(decoding: text, as: UTF8.self))")
        }
    }
    return 0
}
