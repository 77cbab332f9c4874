import Subprocess

/// `git pull --ff-only` in the manifests' folder before a cycle, with at most a minute; its failure fails the cycle,
/// so nothing is applied from a tree that could not be brought up to date.
enum GitPull {
    static let timeout: Duration = .seconds(60)

    static func run(in directory: String) async throws {
        let ended: (status: TerminationStatus, lastLines: [String])
        do {
            ended = try await pull(in: directory)
        } catch {
            throw ControllerFailure("cannot run git: \(error)")
        }
        guard ended.status.isSuccess else {
            let text = ended.lastLines.joined(separator: " ")
            throw ControllerFailure("git pull --ff-only failed in \(directory): \(text.isEmpty ? "exit \(code(of: ended.status))" : text)")
        }
    }

    /// How git ended, and the last three lines it wrote to standard error; terminated after `timeout`.
    private static func pull(in directory: String) async throws -> (status: TerminationStatus, lastLines: [String]) {
        let result = try await Subprocess.run(
            .path("/usr/bin/env"), arguments: ["git", "-C", directory, "pull", "--ff-only", "--quiet"],
            // A pull that needs credentials fails at once instead of waiting for a prompt nobody answers.
            environment: .inherit.updating(["GIT_TERMINAL_PROMPT": "0"]),
            input: .none, output: .discarded, error: .sequence
        ) { execution in
            await withTaskGroup(of: [String]?.self) { group in
                group.addTask {
                    var lines: [String] = []
                    do {
                        for try await line in execution.standardError.strings() where !line.isEmpty {
                            lines = Array((lines + [line]).suffix(3))
                        }
                    } catch {
                        // Reading ends when git has exited; what was read is what there is to tell.
                    }
                    return lines
                }
                group.addTask {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                    try? execution.send(signal: .terminate)
                    return nil
                }
                // Standard error ends when git exits; the timer is then no longer needed.
                var lines: [String] = []
                while let next = await group.next() {
                    guard let read = next else { continue }
                    lines = read
                    group.cancelAll()
                }
                return lines
            }
        }
        return (result.terminationStatus, result.closureResult)
    }

    /// The exit code, or the number of the signal that ended git, as `Process.terminationStatus` gives it.
    private static func code(of status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return code
        case .signaled(let signal): return signal
        }
    }
}
