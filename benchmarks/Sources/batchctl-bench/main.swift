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

/// `client-throughput`'s options: each flag takes a positive whole number.
func clientThroughput(_ options: ArraySlice<String>) -> ClientThroughput {
    var measurement = ClientThroughput()
    var rest = options
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
            fail("\(flag) needs a positive whole number\n" + usage)
        }
        switch flag {
        case "--requests": measurement.requests = value
        case "--concurrency": measurement.concurrency = value
        default: fail("unknown option \(flag)\n" + usage)
        }
    }
    return measurement
}

/// `post-cpu`'s options: each flag takes a positive whole number, and the port is required.
func postCPU(_ options: ArraySlice<String>) -> PostCPU {
    var measurement = PostCPU()
    var rest = options
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
            fail("\(flag) needs a positive whole number\n" + usage)
        }
        switch flag {
        case "--port" where value <= 65_535: measurement.port = value
        case "--requests": measurement.requests = value
        case "--concurrency": measurement.concurrency = value
        default: fail("unknown option \(flag)\n" + usage)
        }
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
