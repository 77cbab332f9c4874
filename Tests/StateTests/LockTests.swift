import Foundation
import JSON
import State
import Testing

@Suite struct LockTests {
    @Test func theLockIsExclusiveAndTheErrorNamesTheHolder() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let handle = try backend.lock(operation: "apply", timeout: .zero)
            #expect(handle.info.pid == getpid())
            #expect(handle.info.operation == "apply")
            let attributes = try FileManager.default.attributesOfItem(atPath: backend.lockPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            let error = stateError { try LocalStateBackend(path: backend.path).lock(operation: "destroy", timeout: .zero) }
            #expect(error?.isLocked == true)
            #expect(error?.holder == handle.info)
            let info = handle.info
            #expect(error?.message.hasPrefix(
                "\(backend.path) is locked by \(info.user) on \(info.host) (pid \(info.pid), apply) since \(info.created), lock id \(info.id)."
            ) == true, "\(String(describing: error))")
            #expect(error?.message.contains("stale") == false)
            #expect(error?.message.contains("batchctl state unlock \(info.id)") == true)

            handle.release()
            #expect(!FileManager.default.fileExists(atPath: backend.lockPath))
            try backend.lock(operation: "apply", timeout: .zero).release()
        }
    }

    @Test func aNewStateInAFolderNoRunMadeYetGetsItsFolder() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/.batchctl/team/batchctl.state.json")
            let handle = try backend.lock(operation: "apply", timeout: .zero)
            defer { handle.release() }
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/.batchctl/team")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            _ = try backend.save(State.new(endpoint: "embedded"))
            #expect(try backend.load()?.endpoint == "embedded")
        }
    }

    @Test func aWaitingLockIsTakenWhenTheHolderLetsGo() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json", lockPollInterval: .milliseconds(20))
            let holder = try backend.lock(operation: "apply", timeout: .zero)
            let releaser = Thread {
                Thread.sleep(forTimeInterval: 0.2)
                holder.release()
            }
            releaser.start()
            let second = try LocalStateBackend(path: backend.path).lock(operation: "apply", timeout: .seconds(30))
            #expect(second.info.id != holder.info.id)
            #expect(stateError { try backend.checkUnlocked() }?.holder == second.info)
            second.release()
        }
    }

    @Test func waitingGivesUpAfterTheTimeout() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json", lockPollInterval: .milliseconds(10))
            let holder = try backend.lock(operation: "apply", timeout: .zero)
            defer { holder.release() }
            let error = stateError { try backend.lock(operation: "apply", timeout: .milliseconds(50)) }
            #expect(error?.isLocked == true)
            #expect(error?.message.contains("; still locked after waiting 0.05 seconds. ") == true, "\(String(describing: error))")
        }
    }

    @Test func aLockWhoseProcessIsGoneIsReportedAsStaleAndTakenOver() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            // Above Linux's largest pid_max (2^22), so no process can have it.
            var dead = LockInfo.current(operation: "apply")
            dead.pid = 99_999_999
            try write(dead.jsonText, to: backend.lockPath)
            #expect(dead.isStale)
            // A reader (plan) reports it, naming the way out.
            let error = stateError { try backend.checkUnlocked() }
            #expect(error?.isLocked == true)
            #expect(error?.message.contains("The lock is stale: no process 99999999 runs on this host. Remove it with `batchctl state unlock \(dead.id)`") == true)
            // A writer takes it over: the run that held it was killed on this host and can never release it.
            let handle = try backend.lock(operation: "apply", timeout: .zero)
            #expect(handle.replacedStale?.id == dead.id)
            #expect(handle.info.pid == getpid())
            handle.release()

            // A lock from another host may belong to a live run there: it is never taken over.
            var elsewhere = dead
            elsewhere.host = "some-other-host.invalid"
            #expect(!elsewhere.isStale)
            try write(elsewhere.jsonText, to: backend.lockPath)
            #expect(stateError { try backend.lock(operation: "apply", timeout: .zero) }?.isLocked == true)
            #expect(!LockInfo.current(operation: "apply").isStale)
        }
    }

    @Test func unlockRefusesAWrongIdAndRemovesTheRightOne() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            #expect(stateError { try backend.unlock(id: "x") }?.isNotLocked == true)
            let handle = try backend.lock(operation: "apply", timeout: .zero)

            let wrong = stateError { try backend.unlock(id: "not-the-id") }
            #expect(wrong?.isLockMismatch == true)
            #expect(wrong?.message.contains("that is \(handle.info.id)") == true)
            #expect(FileManager.default.fileExists(atPath: backend.lockPath))

            try backend.unlock(id: handle.info.id)
            #expect(!FileManager.default.fileExists(atPath: backend.lockPath))
            try backend.checkUnlocked()

            // The old holder's release must not remove the lock a newer run took meanwhile.
            let newer = try backend.lock(operation: "apply", timeout: .zero)
            handle.release()
            #expect(stateError { try backend.checkUnlocked() }?.holder == newer.info)
            newer.release()
            try backend.checkUnlocked()
        }
    }

    @Test func anUnreadableLockFileIsReportedWithWhatToDo() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            try write("garbage", to: backend.lockPath)
            let error = stateError { try backend.checkUnlocked() }
            #expect(error?.isLocked == true)
            #expect(error?.message.hasPrefix("\(backend.path) is locked, but the lock file \(backend.lockPath) cannot be read (it is not valid JSON") == true)
            #expect(error?.message.hasSuffix("if no batchctl is running, delete that file") == true)
        }
    }
}

extension LockInfo {
    /// What a lock file looks like, for planting one by hand.
    var jsonText: String {
        let value: JSONValue = ["id": .string(id), "user": .string(user), "host": .string(host), "pid": .int(Int64(pid)),
                                "created": .string(created), "operation": .string(operation)]
        return value.serialized(pretty: true, sortedKeys: true) + "\n"
    }
}
