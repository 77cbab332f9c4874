// The loader's side of the YAML throughput benchmark (benchmarks/run.sh): loads one file with the project's
// loader and prints "bytes=N seconds=S nodes=K" (the format of the libyaml event loop beside it). The time covers
// reading and parsing the file, as the C loop's does; the node count keeps the work from being optimized away.
import Foundation
import YAML

/// Every node of a tree, keys included, without recursion (a deep document must not overflow the stack).
func countNodes(_ roots: [Node]) -> Int {
    var stack = roots
    var count = 0
    while let node = stack.popLast() {
        count += 1
        switch node.content {
        case .scalar: break
        case .sequence(let items): stack.append(contentsOf: items)
        case .mapping(let pairs):
            for pair in pairs {
                stack.append(pair.key)
                stack.append(pair.value)
            }
        }
    }
    return count
}

let arguments = CommandLine.arguments
guard arguments.count == 3, arguments[1] == "yaml-load" else {
    FileHandle.standardError.write(Data("usage: batchctl-bench yaml-load FILE.yaml\n".utf8))
    exit(2)
}
let path = arguments[2]
let clock = ContinuousClock()
let start = clock.now
let file: YAMLFile
do {
    file = try Loader(options: LoaderOptions()).load(file: path)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
let elapsed = clock.now - start
let nodes = countNodes(file.documents)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
print("bytes=\(bytes) seconds=\(String(format: "%.6f", seconds)) nodes=\(nodes)")
