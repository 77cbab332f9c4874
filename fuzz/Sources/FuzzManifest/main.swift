import Diagnostics
import FuzzCommon
import Manifest

/// A whole manifest, written to a file and expanded; every error has a position unless it is about the file as a
/// whole (and then it names the file).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = fuzzDirectory + "/manifest.yaml"
    writeFile(path, inputBytes(data, size))
    var options = ManifestOptions(paths: [path])
    options.root = fuzzDirectory
    options.maxTasks = 10_000
    let result = ManifestEngine.expand(options)
    for diagnostic in result.diagnostics where diagnostic.isError && diagnostic.location == nil {
        require(diagnostic.message.contains(path), "an error without a position: \(diagnostic)")
    }
    return 0
}
