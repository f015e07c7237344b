import Foundation
import Testing
import TestSupport

/// TestSupport's one process runner: the guarantees every test that starts a process relies on.
@Suite struct ProcessRunnerTests {
    /// A child past its limit is killed and the run throws: it cannot hang the suite, nor pass
    /// as a failed exit that a test expecting failure would accept.
    @Test func aChildPastItsLimitIsKilledAndThrows() throws {
        let start = Date()
        #expect(throws: ProcessTimedOut.self) { try runProcess("/bin/sleep", ["30"], timeout: 0.5) }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    /// stdin reaches the child; megabytes on stdout and stderr do not deadlock; the exit status
    /// and a signal death are told apart.
    @Test func stdinLargeOutputsAndStatus() throws {
        let echo = try runProcess("/bin/cat", [], stdin: Data("through stdin\n".utf8), timeout: 30)
        #expect(echo.status == 0 && !echo.signaled && echo.stdout == "through stdin\n")
        let big = try runProcess("/bin/sh", ["-c", "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; exit 3"], timeout: 60)
        #expect(big.status == 3 && !big.signaled)
        #expect(big.stdout.utf8.count == 3_000_000 && big.stderr.utf8.count == 3_000_000)
        let killed = try runProcess("/bin/sh", ["-c", "kill -TERM $$"], timeout: 30)
        #expect(killed.signaled && killed.status == SIGTERM, "\(killed)")
    }

    /// The built tools are found in the configuration this test binary was built in; an unknown
    /// tool is an error (the test fails), not a skip.
    @Test func toolsAreFoundAndAMissingOneFails() throws {
        let eta = try ToolRunner.path("eta")
        #expect(FileManager.default.isExecutableFile(atPath: eta))
        #if os(Linux)
        let running = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(URL(fileURLWithPath: eta).deletingLastPathComponent().resolvingSymlinksInPath()
                == URL(fileURLWithPath: running).deletingLastPathComponent().resolvingSymlinksInPath())
        #endif
        #expect(throws: ToolNotBuilt.self) { try ToolRunner.path("no-such-tool") }
        let help = try ToolRunner.run("eta", ["--help"], timeout: 60)
        #expect(help.status == 0 && help.stdout.contains("USAGE"), "\(help)")
    }
}
