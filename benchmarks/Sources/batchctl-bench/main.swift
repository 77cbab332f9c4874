// The Swift side of the benchmarks (benchmarks/run.sh), one measurement per mode:
//   yaml-load FILE.yaml   the YAML loader on one file: "bytes=N seconds=S nodes=K"
//   client-throughput [--requests N] [--concurrency C]
//                         GET through BatchTaskClient beside bare AsyncHTTPClient on an in-process emulator
//   post-cpu --port P [--requests N] [--concurrency C]
//                         client CPU per POST through bare AsyncHTTPClient, bare SwiftNIO and BatchTaskClient, against
//                         a `batchctl serve` on 127.0.0.1:P
import Foundation

let usage = """
    usage: batchctl-bench yaml-load FILE.yaml
           batchctl-bench client-throughput [--requests N] [--concurrency C]
           batchctl-bench post-cpu --port P [--requests N] [--concurrency C]
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// A mode's options, each a flag with a positive whole number, through `set` (which returns false for a flag the
/// mode does not take).
func readOptions(_ options: ArraySlice<String>, _ set: (String, Int) -> Bool) {
    var rest = options
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
            fail("\(flag) needs a positive whole number\n" + usage)
        }
        guard set(flag, value) else { fail("unknown option \(flag)\n" + usage) }
    }
}

func clientThroughput(_ options: ArraySlice<String>) -> ClientThroughput {
    var measurement = ClientThroughput()
    readOptions(options) { flag, value in
        switch flag {
        case "--requests": measurement.requests = value
        case "--concurrency": measurement.concurrency = value
        default: return false
        }
        return true
    }
    return measurement
}

/// `post-cpu` also needs the port.
func postCPU(_ options: ArraySlice<String>) -> PostCPU {
    var measurement = PostCPU()
    readOptions(options) { flag, value in
        switch flag {
        case "--port" where value <= 65_535: measurement.port = value
        case "--requests": measurement.requests = value
        case "--concurrency": measurement.concurrency = value
        default: return false
        }
        return true
    }
    guard measurement.port > 0 else { fail("post-cpu needs --port\n" + usage) }
    return measurement
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "yaml-load" where arguments.count == 3:
    exit(YAMLLoad.run(path: arguments[2]))
case "client-throughput":
    do {
        print(try await clientThroughput(arguments.dropFirst(2)).run())
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
case "post-cpu":
    do {
        print(try await postCPU(arguments.dropFirst(2)).run())
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
default:
    fail(usage)
}
