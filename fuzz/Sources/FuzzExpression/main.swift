import Diagnostics
import FuzzCommon
import Manifest

/// The input as an expression: a fixed manifest whose task's Description is `"${" + input + "}"`, with vars of
/// each kind to refer to. Every error has a position.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let expression = "${" + inputText(data, size) + "}"
    let manifest = """
        apiVersion: batchctl/v1
        kind: TaskSet
        metadata: {name: fuzz, labels: {team: ops}}
        vars:
          text: Hello
          number: 42
          ratio: 0.5
          flag: true
          nothing: null
          list: [a, b, c]
          map: {k: v, n: 1}
        tasks:
          - key: t-${table}
            matrix:
              table: [x, y]
            Name: fuzz ${table}
            Description: \(yamlQuoted(expression))

        """
    let path = fuzzDirectory + "/expression.yaml"
    writeFile(path, Array(manifest.utf8))
    var options = ManifestOptions(paths: [path])
    options.root = fuzzDirectory
    options.maxTasks = 10_000
    let result = ManifestEngine.expand(options)
    for diagnostic in result.diagnostics where diagnostic.isError {
        require(diagnostic.location != nil, "an error without a position: \(diagnostic)")
    }
    return 0
}
