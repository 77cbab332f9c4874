import FuzzCommon
import State

/// The state file's decoder: a state that decodes encodes to bytes that decode to the same state, and those bytes
/// encode again unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let state = try? State.decode(inputBytes(data, size), path: "fuzz.state.json") else { return 0 }
    let written = state.encoded()
    let again: State
    do {
        again = try State.decode(written, path: "rewritten.state.json")
    } catch {
        fatalError("a state batchctl wrote does not read back: \(error)\n\(String(decoding: written, as: UTF8.self))")
    }
    require(again == state, "the state changed on a round trip:\n\(String(decoding: written, as: UTF8.self))")
    require(again.encoded() == written, "a state read back encodes differently")
    return 0
}
