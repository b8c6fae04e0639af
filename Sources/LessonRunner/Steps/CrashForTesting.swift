import Foundation

extension Registry {
    /// The environment variable that adds `_crashForTesting(_ how: String)` to the registry, so a test
    /// can make a lesson's process die for real; never set outside tests.
    public static let crashForTestingVariable = "KHRU_TEST_CRASH_STEP"

    /// Binds `_crashForTesting(_:)` when ``crashForTestingVariable`` is `1`.
    ///
    /// `"trap"` fails a `precondition` (as a library trap does), `"kill"` sends the process `SIGKILL`
    /// (as the kernel's out-of-memory killer does), `"segv"` writes to an invalid address (`SIGSEGV`), `"hang"` sleeps forever
    /// where the runner never checks the time (as a stuck library call does).
    mutating func bindCrashForTestingIfAsked() {
        guard ProcessInfo.processInfo.environment[Self.crashForTestingVariable] == "1" else { return }
        bind(
            "_crashForTesting(_ how: String)",
            doc: "Tests only: kills the lesson's process (trap, kill, segv) or hangs it (hang)."
        ) { (how: String) in
            switch how {
            case "kill":
                kill(getpid(), SIGKILL)
                pause()
            case "segv":
                // A real invalid write, not raise(SIGSEGV): the runtime's backtracer returns from a raised
                // signal and expects the faulting instruction to fault again.
                UnsafeMutablePointer<Int>(bitPattern: 8)?.pointee = 1
            case "hang":
                while true { sleep(60) }
            default:
                precondition(how.isEmpty, "_crashForTesting was asked to trap (\(how))")
            }
        }
    }
}
