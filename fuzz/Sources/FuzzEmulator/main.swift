import EmulatorCodecs
import FuzzCommon

/// The emulator's `$filter` parser, XML body decoder and form decoder; the first byte picks which one reads the
/// rest.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 3 {
    case 0: EmulatorCodecs.filter(String(decoding: rest, as: UTF8.self))
    case 1: EmulatorCodecs.xml(rest)
    default: EmulatorCodecs.form(String(decoding: rest, as: UTF8.self))
    }
    return 0
}
