import Foundation

/// Stops the process when a property of the input does not hold; libFuzzer saves the input as a crash.
public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition {
        fatalError("property failed: \(message())", file: file, line: line)
    }
}

/// The fuzzer's input as bytes.
public func inputBytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// The input as text, invalid UTF-8 replaced by U+FFFD.
public func inputText(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
}

/// A folder of this fuzzer process's own under the temporary directory, reused for every input; empty but for
/// the files the target writes itself, so includes of the input find nothing else.
public let fuzzDirectory: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let path = "\(base)/batchctl-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// Replaces the file at `path` with `bytes`.
public func writeFile(_ path: String, _ bytes: [UInt8]) {
    let written = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    require(written, "cannot write \(path)")
}

/// `text` as a YAML double-quoted scalar: printable ASCII as it is, everything else escaped, so any text is one
/// scalar whose value is exactly `text`.
public func yamlQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case " "..."~": out.unicodeScalars.append(scalar)
        default: out += "\\U" + String(repeating: "0", count: 8 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        }
    }
    return out + "\""
}
