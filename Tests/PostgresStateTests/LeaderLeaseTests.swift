import Foundation
import PostgresState
import PostgresTestSupport
import State
import Testing

/// Which controller leads: the PostgreSQL lease of replicas, and the one controller of a state file.
@Suite(.serialized) struct LeaderLeaseTests {
    static let skip = PostgresServer.missingPrerequisite

    private func holder(pid: Int32 = getpid(), host: String? = nil) -> LockInfo {
        var info = LockInfo.current(operation: "controller")
        info.pid = pid
        if let host { info.host = host }
        return info
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func oneLeadsTheOthersFollowUntilItResignsOrItsLeaseRunsOut() async throws {
        let place = BackendSuiteTests.place()
        let backend = try #require(try BackendSuiteTests.backend(.postgres, place: place) as? PostgresStateBackend)
        defer { Task { await backend.close() } }
        let first = PostgresLeaderLease(backend: backend, holder: holder(host: "web-1"), duration: .seconds(30))
        let second = PostgresLeaderLease(backend: backend, holder: holder(host: "web-2"), duration: .seconds(30))
        #expect(try await first.acquire() == .leading(tookOver: nil))
        guard case .following(let leader) = try await second.acquire() else {
            Issue.record("two leaders")
            return
        }
        #expect(leader.host == "web-1")
        #expect(try await first.acquire().isLeading, "renewing keeps the lease")
        await first.resign()
        #expect(try await second.acquire() == .leading(tookOver: nil), "a resigned lease is free at once")

        // A lease that ran out (its holder stalled, or died on another host) is taken over.
        let third = PostgresLeaderLease(backend: backend, holder: holder(host: "web-3"), duration: .seconds(30))
        #expect(try await !third.acquire().isLeading)
        _ = try PostgresServer.shared().psql("UPDATE s_\(place).leaders SET expires_at = now() - interval '1 second'")
        guard case .leading(let tookOver) = try await third.acquire() else {
            Issue.record("a lease that ran out was not taken over")
            return
        }
        #expect(tookOver?.host == "web-2")
        guard case .following(let now) = try await second.acquire() else {
            Issue.record("the stalled leader still leads")
            return
        }
        #expect(now.host == "web-3", "the stalled leader learns it follows when it asks")
        await second.resign()
        #expect(try await third.acquire().isLeading, "resigning a lease it no longer holds leaves the leader alone")
        await third.resign()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aLeaderThatDiedOnThisHostIsTakenOverAtOnce() async throws {
        let backend = try #require(try BackendSuiteTests.backend(.postgres, place: BackendSuiteTests.place()) as? PostgresStateBackend)
        defer { Task { await backend.close() } }
        // A pid that is not running: a process that was started and has ended.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        ended.currentDirectoryURL = URL(fileURLWithPath: "/")
        try ended.run()
        ended.waitUntilExit()
        let dead = PostgresLeaderLease(backend: backend, holder: holder(pid: ended.processIdentifier), duration: .seconds(30))
        #expect(try await dead.acquire().isLeading)
        let next = PostgresLeaderLease(backend: backend, holder: holder(), duration: .seconds(30))
        guard case .leading(let tookOver) = try await next.acquire() else {
            Issue.record("the dead holder's lease was not taken over")
            return
        }
        #expect(tookOver?.pid == ended.processIdentifier)
        await next.resign()
    }

    @Test func aStateFileHasOneController() async throws {
        let directory = NSTemporaryDirectory() + "batchctl-lease-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nested/batchctl.state.json"
        let first = SingleControllerLease(statePath: path, holder: holder())
        #expect(try await first.acquire().isLeading, "the state's folder is made when missing")
        #expect(!first.allowsReplicas)
        let second = SingleControllerLease(statePath: path, holder: holder(host: "other"))
        guard case .following(let other) = try await second.acquire() else {
            Issue.record("two controllers of one file")
            return
        }
        #expect(other.pid == getpid())
        await first.resign()
        // A process another test forks at this moment holds a copy of the descriptor, and with it the flock, until it
        // execs (O_CLOEXEC closes it then): on a loaded machine the second may have to ask again a moment later.
        var leading = false
        for _ in 0..<100 where !leading {
            leading = try await second.acquire().isLeading
            if !leading { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(leading)
        await second.resign()
    }
}
