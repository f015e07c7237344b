import Foundation
import TestSupport
import Testing

// Every tool on every case of the bad-input corpus (Tests/Corpus/make_corpus.py, generated into
// a temporary directory at test time). A bad case must end with exit 65, exactly one stderr line
// that names one of the case's files and contains every `expect` substring, nothing on stdout and
// no output file; no run may crash or take longer than 20 s. A tool that is not built fails the
// test (``ToolNotBuilt``): nothing here is skipped.

/// What a tool must do with a case.
enum CorpusOutcome: Equatable {
    /// Exit 65 with the one-line error.
    case reject
    /// Exit 0, and no NaN/Inf printed as a number.
    case accept
    /// Either of the two (e.g. inputs the tool does not look at, or documented refusals).
    case either
}

/// How one tool is run on the corpus: which cases, with which arguments, expecting what.
struct CorpusToolPlan: Sendable {
    var tool: String
    /// Arguments for a case, or nil when the tool does not take this kind of input.
    var arguments: @Sendable (_ c: CorpusCase, _ corpus: GeneratedCorpus, _ outputDirectory: URL) -> [String]?
    var outcome: @Sendable (_ c: CorpusCase) -> CorpusOutcome
    /// The output file a run may write (must not exist after a rejection).
    var output: String? = nil
}

/// The manifest of the padding case holds only a `val` split: a tool whose default split is
/// `train` may refuse it, with the usual one clean line.
let valOnlyCases: Set<String> = ["shards_padding_ok"]

/// Value problems: the file is well formed, but averaging its features is impossible.
let valueCases: Set<String> = ["nan_row", "inf_row", "float16_overflow", "class_without_rows"]

let corpusPlans: [CorpusToolPlan] = [
    // inspect --validate reads everything once; WordNet is not its business.
    CorpusToolPlan(tool: "inspect", arguments: { c, corpus, _ in
        c.kind == "dump" ? ["--validate"] + corpus.paths(c) : nil
    }, outcome: { c in
        c.expect_ok || c.name == "unknown_wnid" ? .accept : .reject
    }),
    // eta on one dump as both models; classes by index. Shard sets (several files) are inspect's.
    CorpusToolPlan(tool: "eta", arguments: { c, corpus, _ in
        switch c.kind {
        case "dump" where c.files.count == 1:
            let p = corpus.paths(c)[0]
            var args = ["--t1", p, "--t2", p, "--targets", "0", "--s1", "1", "--s2", "2"]
            if c.name == "unknown_wnid" { args += ["--wordnet", "/usr/share/wordnet"] }
            return args
        case "wordnet":
            return ["--t1", corpus.validDump, "--t2", corpus.validDump,
                    "--wordnet", corpus.paths(c)[0], "--targets", "retrievers"]
        case "hierarchy":
            // A hierarchy file (--hierarchy) with valid.h5; the file is checked even for index lists.
            return ["--t1", corpus.validDump, "--t2", corpus.validDump,
                    "--hierarchy", corpus.paths(c)[0], "--targets", "0", "--s1", "1", "--s2", "2"]
        case "centroids":
            // One centroid file (its values), or per-shard files merged on each side (overlapping,
            // incomplete, version 1); the one-file cases hold a train split, the per-shard ones val.
            let p = corpus.paths(c)
            let split = c.name.contains("rank") || p.contains { $0.contains(".rank") } ? "val" : "train"
            return ["--t1"] + p + ["--t2"] + p + ["--targets", "0", "--s1", "1", "--s2", "2", "--split", split]
        default: return nil
        }
    }, outcome: { c in
        // centroid_coincidence: target 0 and member 1 share a centroid (d1 = 0): a clear refusal is documented.
        if c.name == "centroid_coincidence" || valOnlyCases.contains(c.name) { return .either }
        // unknown_wnid: classes given by index need no WordNet, so the unknown wnid must not stop eta
        // (rules and presets refuse it; PenultimateKitTests check that message).
        if c.name == "unknown_wnid" { return .accept }
        // class_without_rows: class 3 has no rows, but --targets 0 --s1 1 --s2 2 never needs it, so η
        // is defined; eta computes it and its conventions name the empty class and say it is left
        // out of the centroid-scale mean (EtaErrorTests). A target or set needing it is refused.
        if c.name == "class_without_rows" { return .either }
        return c.expect_ok ? .accept : .reject
    }),
    // project through classes 0, 1, 2 (templates for muller).
    CorpusToolPlan(tool: "project", arguments: { c, corpus, out in
        if c.kind == "hierarchy" {
            return [corpus.validDump, "--classes", "0,1,2", "--hierarchy", corpus.paths(c)[0], "-o", out.appendingPathComponent("out.h5").path]
        }
        guard c.kind == "dump", c.files.count == 1 else { return nil }
        return [corpus.paths(c)[0], "--classes", "0,1,2", "-o", out.appendingPathComponent("out.h5").path]
    }, outcome: { c in
        if ["centroid_coincidence", "class_without_rows"].contains(c.name) || valOnlyCases.contains(c.name) { return .either }
        // unknown_wnid: classes given by index need no WordNet.
        if c.name == "unknown_wnid" { return .accept }
        return c.expect_ok ? .accept : .reject
    }, output: "out.h5"),
    // accuracy reads logits (or features and the classifier); feature values may not matter to it.
    CorpusToolPlan(tool: "accuracy", arguments: { c, corpus, _ in
        c.kind == "dump" && c.files.count == 1 ? corpus.paths(c) : nil
    }, outcome: { c in
        if valueCases.contains(c.name) || c.name == "unknown_wnid" || c.name == "centroid_coincidence" { return .either }
        // shards_padding_ok: a well-formed val-only manifest written without logits; accuracy reads
        // logits, so its clean refusal ("the dump has no logits; re-export it with logits") is right.
        if valOnlyCases.contains(c.name) { return .either }
        return c.expect_ok ? .accept : .reject
    }),
    // geometry on one dump (every split, every class): one pass over the features of each split.
    CorpusToolPlan(tool: "geometry", arguments: { c, corpus, _ in
        c.kind == "dump" && c.files.count == 1 ? corpus.paths(c) : nil
    }, outcome: { c in
        // centroid_coincidence: classes 0 and 1 share a centroid, so s/d is refused when one is the
        // other's nearest (documented); class_without_rows is reported with null values.
        if c.name == "centroid_coincidence" || c.name == "class_without_rows" || valOnlyCases.contains(c.name) { return .either }
        // unknown_wnid: without --classes no class is looked up in WordNet.
        if c.name == "unknown_wnid" { return .accept }
        return c.expect_ok ? .accept : .reject
    }),
    // plot reads projection files; a feature dump is the wrong kind of file for it.
    CorpusToolPlan(tool: "plot", arguments: { c, corpus, out in
        guard c.kind == "projection" || c.name == "valid" else { return nil }
        return [corpus.paths(c)[0], "-o", out.appendingPathComponent("out.png").path]
    }, outcome: { c in c.expect_ok && c.kind == "projection" ? .accept : .reject }, output: "out.png"),
]

// ---- eta pairs (issue #14): every pair of classes of one dump (or centroid files) on both sides.
/// `eta pairs` on the corpus. It needs WordNet for every wnid (relatedness), never a particular
/// class, so a class without rows is left out (accepted) and an unknown wnid is refused.
let pairsCorpusPlan = CorpusToolPlan(tool: "eta", arguments: { c, corpus, _ in
    switch c.kind {
    case "dump" where c.files.count == 1:
        let p = corpus.paths(c)[0]
        return ["pairs", "--t1", p, "--t2", p]
    case "wordnet":
        return ["pairs", "--t1", corpus.validDump, "--t2", corpus.validDump, "--wordnet", corpus.paths(c)[0]]
    case "centroids":
        let p = corpus.paths(c)
        let split = c.name.contains("rank") || p.contains { $0.contains(".rank") } ? "val" : "train"
        return ["pairs", "--t1"] + p + ["--t2"] + p + ["--split", split]
    default: return nil
    }
}, outcome: { c in
    // centroid_coincidence: two classes share a centroid (d1 = 0), refused for that pair.
    if c.name == "centroid_coincidence" || valOnlyCases.contains(c.name) { return .either }
    // Relatedness needs every class in WordNet: unknown wnids and names without wnids are refused.
    if c.name == "unknown_wnid" || c.name == "names_only" { return .reject }
    if c.name == "class_without_rows" { return .accept }
    // external_raw_present: the tools resolve the external raw file against the working folder,
    // not the dump's (plain `eta` fails this case the same way on main; a reader issue, not pairs').
    if c.name == "external_raw_present" { return .either }
    return c.expect_ok ? .accept : .reject
})

/// Tokens that are a non-finite number printed as text.
let nonFiniteTokens: Set<String> = ["nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"]

/// Checks one run against the contract; returns the problems found (empty when it passes).
func corpusProblems(_ run: CorpusRun, case c: CorpusCase, outcome: CorpusOutcome,
                    outputPath: String?, outputDirectory: URL) -> [String] {
    var problems: [String] = []
    if run.signaled { return ["crashed (signal \(run.status))"] }
    let rejected = run.status != 0
    switch (outcome, rejected) {
    case (.accept, true): problems.append("expected success, got exit \(run.status)")
    case (.reject, false): problems.append("expected exit 65, got success")
    default: break
    }
    if rejected {
        if run.status != 65 { problems.append("exit \(run.status), expected 65 (bad input)") }
        let lines = run.stderrLines
        if lines.count != 1 { problems.append("\(lines.count) stderr lines, expected exactly 1") }
        let line = run.stderr.lowercased()
        // An unknown wnid may be reported against the WordNet file that lacks it.
        let names = c.files.map { ($0 as NSString).lastPathComponent.lowercased() }
            + (c.name == "unknown_wnid" ? ["data.noun"] : [])
        if !names.contains(where: { line.contains($0) }) {
            problems.append("the error does not name the file (\(names.joined(separator: " or ")))")
        }
        // Substrings written for the reader; for `either` outcomes the refusal may have another cause.
        if outcome == .reject {
            for expected in c.expect where !line.contains(expected.lowercased()) {
                problems.append("the error lacks \"\(expected)\"")
            }
        }
        if !run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append("printed to stdout although it failed")
        }
        if let outputPath, FileManager.default.fileExists(atPath: outputPath) {
            problems.append("left its output file \(outputPath)")
        }
    } else {
        let tokens = run.stdout.lowercased().split(whereSeparator: { " \t\n,;[]{}()=|\"".contains($0) })
        if let bad = tokens.first(where: { nonFiniteTokens.contains(String($0)) }) {
            problems.append("printed a non-finite number (\(bad)) on stdout")
        }
    }
    let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? [])
        .filter { outputPath == nil || $0 != (outputPath! as NSString).lastPathComponent || rejected }
    if !leftovers.isEmpty { problems.append("left files in the output folder: \(leftovers.sorted())") }
    return problems
}

/// Runs one plan over the whole corpus and records one issue per failing case.
func runCorpus(_ plan: CorpusToolPlan) throws {
    let corpus = try GeneratedCorpus.load()
    var ran = 0
    var notApplicable: [String] = []
    for c in corpus.cases {
        let outputDirectory = URL(fileURLWithPath: testScratchRoot).appendingPathComponent("corpus-out-\(plan.tool)-\(c.name)")
        try? FileManager.default.removeItem(at: outputDirectory)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputDirectory) }
        guard let arguments = plan.arguments(c, corpus, outputDirectory) else {
            notApplicable.append(c.name)
            continue
        }
        // A bad case naming the tools that must refuse it leaves the others free.
        let outcome = c.expect_ok ? plan.outcome(c) : c.refused_by.map { $0.contains(plan.tool) ? .reject : .either } ?? plan.outcome(c)
        let run: CorpusRun
        do {
            // In an empty folder, not the case's: nothing may resolve against the working folder (P10).
            run = try CorpusTool.run(plan.tool, arguments, timeout: 20, currentDirectory: outputDirectory)
        } catch let hung as ProcessTimedOut {
            Issue.record("\(plan.tool) on \(c.name) (\(c.why)): hung (killed after 20 s) — \(hung)")
            continue
        }
        ran += 1
        let outputPath = plan.output.map { outputDirectory.appendingPathComponent($0).path }
        let problems = corpusProblems(run, case: c, outcome: outcome, outputPath: outputPath, outputDirectory: outputDirectory)
        #expect(problems.isEmpty, "\(plan.tool) on \(c.name) (\(c.why)): \(problems.joined(separator: "; ")) — \(run)")
    }
    #expect(ran > 0, "\(plan.tool) ran on no corpus case")
    print("corpus: \(plan.tool) ran \(ran) cases; not applicable: \(notApplicable.count) (\(notApplicable.joined(separator: ", ")))")
}

func corpusPlan(_ tool: String) -> CorpusToolPlan { corpusPlans.first { $0.tool == tool }! }

@Suite("Bad-input corpus through every tool", .serialized)
struct CorpusTests {
    @Test func corpusGenerates() throws {
        let corpus = try GeneratedCorpus.load()
        #expect(corpus.cases.count >= 40)
        #expect(corpus.cases.contains { $0.name == "valid" && $0.expect_ok })
    }

    @Test
    func inspectValidate() throws { try runCorpus(corpusPlan("inspect")) }

    @Test
    func eta() throws { try runCorpus(corpusPlan("eta")) }

    @Test
    func etaPairs() throws { try runCorpus(pairsCorpusPlan) }

    @Test
    func project() throws { try runCorpus(corpusPlan("project")) }

    @Test
    func accuracy() throws { try runCorpus(corpusPlan("accuracy")) }

    @Test
    func plot() throws { try runCorpus(corpusPlan("plot")) }

    @Test
    func geometry() throws { try runCorpus(corpusPlan("geometry")) }

    /// Without --validate, inspect describes value problems (NaN/Inf, float16 overflow) instead
    /// of refusing: exit 0, and the counts are printed as integers, never NaN as a number.
    @Test(arguments: ["nan_row", "inf_row", "float16_overflow", "single_row_class", "centroid_coincidence"])
    func inspectDescribesValueHazards(_ name: String) throws {
        let corpus = try GeneratedCorpus.load()
        let c = try #require(corpus.cases.first { $0.name == name })
        let run = try CorpusTool.run("inspect", ["--json"] + corpus.paths(c))
        #expect(run.status == 0 && !run.signaled, "\(run)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let train = try #require((object["splits"] as? [String: Any])?["train"] as? [String: Any])
        let nonFinite = (train["nan"] as? Int ?? -1) + (train["inf"] as? Int ?? -1)
        switch name {
        case "nan_row", "inf_row": #expect(nonFinite == 1)
        case "float16_overflow": #expect(nonFinite > 0)
        default: #expect(nonFinite == 0)
        }
        #expect(object["valid"] as? Bool == (nonFinite == 0))
        if name == "single_row_class" {
            #expect((train["rows_per_class"] as? [String: Any])?["min"] as? Int == 1)
        }
    }
}

// MARK: - P10: external raw storage and the working folder

/// P10: `p10_missing/twin_missing.h5`'s external raw file is not beside it but in the corpus root;
/// run from the corpus root, a tool that resolved relative names against the working folder would
/// read it. Every tool that reads the features must refuse, naming the file it looked for.
@Suite("Corpus P10: external raw files resolve against the dump's folder, not the working folder")
struct CorpusExternalRawFolderTests {
    @Test(arguments: ["inspect", "eta", "eta centroids", "project"])
    func refusedFromTheCorpusRoot(_ tool: String) throws {
        let corpus = try GeneratedCorpus.load()
        let c = try #require(corpus.cases.first { $0.name == "p10_external_raw_only_in_working_folder" })
        let file = corpus.paths(c)[0]
        let out = corpus.directory.appendingPathComponent("p10-\(tool.replacingOccurrences(of: " ", with: "-")).h5").path
        let (name, arguments): (String, [String]) = switch tool {
        case "inspect": ("inspect", ["--validate", file])
        case "eta": ("eta", ["--t1", file, "--t2", file, "--targets", "0", "--s1", "1", "--s2", "2"])
        case "eta centroids": ("eta", ["centroids", file, "--split", "train", "-o", out])
        default: ("project", [file, "--classes", "0,1,2", "-o", out])
        }
        let run = try CorpusTool.run(name, arguments, timeout: 20, currentDirectory: corpus.directory)
        #expect(run.status == 65 && !run.signaled, "\(run)")
        #expect(run.stderrLines.count == 1, "\(run)")
        let folder = (file as NSString).deletingLastPathComponent
        #expect(run.stderr.contains("raw/twin_missing.bin") && run.stderr.contains("\(folder)/raw/twin_missing.bin"), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
