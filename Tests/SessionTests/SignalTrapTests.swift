#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
import Session

@Suite struct SignalTrapTests {
    @Test func aTrappedSignalReachesTheHandlerAndNotItsDefaultAction() async throws {
        let received = Mutex<[Int32]>([])
        // SIGUSR2 would end the process by default: the trap takes it from its default action first.
        let trap = await SignalTrap.start([.sigusr2]) { signal in received.withLock { $0.append(signal.rawValue) } }
        kill(getpid(), SIGUSR2)
        let deadline = ContinuousClock.now + .seconds(10)
        while received.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        trap.cancel()
        #expect(received.withLock { $0 } == [SIGUSR2])
    }
}
