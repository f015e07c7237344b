import Foundation
import Testing
@testable import ToolSupport

@Suite struct ExitCodeTests {
    struct StoreLikeError: Error, BadInput, CustomStringConvertible { var description: String { "f.h5: /x: bad" } }
    struct FlagError: Error, UsageFailure {}
    struct Unclassified: Error {}

    @Test func codesFollowTheContract() {
        #expect(ToolExitCode.allCases.map(\.rawValue) == [0, 64, 65, 70, 130, 143])
        #expect(toolExitCode(for: StoreLikeError()) == .badInput)
        #expect(toolExitCode(for: FlagError()) == .usage)
        #expect(toolExitCode(for: Unclassified()) == .internalFailure)
        #expect(toolExitCode(for: CancellationError()) == .interrupted)
        #expect(toolExitCode(for: ToolError.usage("u")) == .usage)
        #expect(toolExitCode(for: ToolError.internalFailure("i")) == .internalFailure)
        #expect(toolExitCode(for: ToolError.interrupted) == .interrupted)
        #expect(toolExitCode(for: CocoaError(.fileReadNoSuchFile)) == .badInput)
        #expect(toolExitCode(for: CocoaError(.coderInvalidValue)) == .internalFailure)
    }

    @Test func errorLineIsOneLine() {
        #expect(toolErrorLine(tool: "eta", error: StoreLikeError()) == "eta: f.h5: /x: bad")
        #expect(toolErrorLine(tool: "eta", error: ToolError.badInput("a\n  b\n\n")) == "eta: a; b")
        #expect(toolErrorLine(tool: "eta", error: ToolError.badInput("")) == "eta: unknown error")
    }
}

@Suite struct ProgressTests {
    final class Recorder: @unchecked Sendable {
        var text = ""
        var time = 0.0
    }

    @Test func throttlesAndFinishes() {
        let recorder = Recorder()
        let progress = ProgressMeter("rows", total: 1000, minimumInterval: 0.5,
                                output: { recorder.text += $0 }, now: { recorder.time })
        #expect(progress.isEnabled)
        progress.advance(by: 100)          // t = 0: shown
        recorder.time = 0.2
        progress.advance(by: 100)          // too soon: not shown
        recorder.time = 0.6
        progress.update(completed: 450)    // shown
        progress.finish()
        #expect(recorder.text == "\rrows: 100/1000 (10%)\rrows: 450/1000 (45%)\rrows: 450/1000 (45%)\n")
        #expect(progress.currentLine == "rows: 450/1000 (45%)")
    }

    @Test func withoutTotalShowsCount() {
        let recorder = Recorder()
        let progress = ProgressMeter("blocks", output: { recorder.text += $0 }, now: { recorder.time })
        progress.advance()
        progress.finish()
        #expect(recorder.text == "\rblocks: 1\rblocks: 1\n")
    }

    @Test func silentWhenNotATerminal() {
        // Under `swift test` stderr is a pipe or file, so the default output is nil.
        if !ProgressMeter.standardErrorIsTerminal {
            #expect(ProgressMeter.terminalOutput() == nil)
            #expect(!ProgressMeter("x").isEnabled)
        }
        let silent = ProgressMeter("x", total: 10, output: nil)
        silent.advance(by: 5)
        silent.finish()
        #expect(!silent.isEnabled)
        #expect(silent.currentLine == "x: 5/10 (50%)")
    }
}
