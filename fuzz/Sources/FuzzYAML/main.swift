import Diagnostics
import FuzzCommon
import YAML

/// The YAML loader on any bytes: valid UTF-8 through `load(text:file:)`; other bytes are written to a file and
/// read by `load(file:)`, which hands them to libyaml unchanged. An error always has a position.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let path = fuzzDirectory + "/input.yaml"
    // A small alias budget: a billion-laughs input is refused quickly rather than after a million nodes.
    let loader = Loader(options: LoaderOptions(root: fuzzDirectory, maxAliasNodes: 10_000))
    do throws(Diagnostic) {
        let file: YAMLFile
        if let text = String(validating: bytes, as: UTF8.self) {
            file = try loader.load(text: text, file: path)
        } else {
            writeFile(path, bytes)
            file = try loader.load(file: path)
        }
        _ = file.documents.count
    } catch {
        require(error.location != nil, "a YAML error without a position: \(error)")
    }
    return 0
}
