import Foundation
import YAML

/// The loader's side of the YAML throughput benchmark: loads one file with the project's loader and prints
/// "bytes=N seconds=S nodes=K", the format of the libyaml event loop beside it. The time covers reading and
/// parsing the file, as the C loop's does; the node count keeps the work from being optimized away.
enum YAMLLoad {
    /// Loads `path` and prints the line; the exit status is 1 when the file does not load.
    static func run(path: String) -> Int32 {
        let clock = ContinuousClock()
        let start = clock.now
        let file: YAMLFile
        do {
            file = try Loader(options: LoaderOptions()).load(file: path)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
        let elapsed = clock.now - start
        let nodes = countNodes(file.documents)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print("bytes=\(bytes) seconds=\(String(format: "%.6f", seconds(elapsed))) nodes=\(nodes)")
        return 0
    }

    /// Every node of a tree, keys included, without recursion (a deep document must not overflow the stack).
    static func countNodes(_ roots: [Node]) -> Int {
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
}

/// A duration in seconds, to the attosecond.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
