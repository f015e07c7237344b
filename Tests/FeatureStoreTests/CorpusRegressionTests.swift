import FeatureStore
import Foundation
import Testing
import TestSupport

// Regressions found by running Tests/Corpus (make_corpus.py) through `inspect --validate`:
// each case used to be accepted (or blamed the wrong object) and must now fail with a line
// that names the file and the object at fault.

/// The corpus, generated once into a temporary directory.
let regressionCorpus: Result<URL, CorpusGenerationError> = {
    do {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("corpus")
        let made = try runProcess("/usr/bin/env", ["python3", packageRoot + "/Tests/Corpus/make_corpus.py", dir.path], timeout: 600)
        guard made.status == 0, !made.signaled else { return .failure(CorpusGenerationError(message: "\(made)")) }
        return .success(dir)
    } catch {
        return .failure(CorpusGenerationError(message: "\(error)"))
    }
}()

struct CorpusGenerationError: Error, CustomStringConvertible {
    var message: String
    var description: String { "make_corpus.py: \(message)" }
}

/// Opens and validates `files` of the corpus; returns the one-line error, or nil if the dump is valid.
func corpusError(_ files: String...) throws -> String? {
    let dir = try regressionCorpus.get()
    let paths = files.map { dir.appendingPathComponent($0).path }
    do {
        let report = try Dump.open(paths).validate()
        return report.isValid ? nil : report.messages.joined(separator: "; ")
    } catch {
        return "\(error)"
    }
}

@Suite struct CorpusRegressionTests {
    @Test func duplicateWnidsAreRefusedAtOpen() throws {
        let line = try #require(try corpusError("duplicate_wnids.h5"))
        #expect(line.contains("duplicate_wnids.h5: /classes/wnid: n02099601 appears twice (classes 0 and 3)"))
    }

    @Test func manifestWithAMissingShardNamesIt() throws {
        let line = try #require(try corpusError("manifest_missing_shard.h5"))
        #expect(line.contains("manifest_missing_shard.h5: attribute manifest_shards: shard manifest_missing_shard.rank1.h5 is missing"))
    }

    @Test func shardsWithAnotherClassifierAreRefused() throws {
        let line = try #require(try corpusError("shards_disagree_classifier.rank0.h5", "shards_disagree_classifier.rank1.h5"))
        #expect(line.contains("shards_disagree_classifier.rank1.h5: /classifier/weight: differs from"))
    }

    @Test func shardsWithAnotherClassOrderNameTheDataset() throws {
        let line = try #require(try corpusError("shards_disagree_classes.rank0.h5", "shards_disagree_classes.rank1.h5"))
        #expect(line.contains("shards_disagree_classes.rank1.h5: /classes/wnid: differs from"))
        #expect(line.contains("(first at class 0)"))
    }

    @Test func overlappingShardsAreRefusedButPaddingIsNot() throws {
        let line = try #require(try corpusError("shards_overlap.rank0.h5", "shards_overlap.rank1.h5"))
        #expect(line.contains("/splits/val/sample_index: 3 rows repeat an earlier sample_index, but padding over 2 shards repeats at most 1"))
        #expect(try corpusError("shards_padding.rank0.h5", "shards_padding.rank1.h5") == nil)
        #expect(try corpusError("shards_padding.h5") == nil)
    }

    @Test func aClassWithoutRowsMakesTheDumpInvalid() throws {
        let line = try #require(try corpusError("class_without_rows.h5"))
        #expect(line.contains("class_without_rows.h5: /splits/train/labels: 1 class(es) without rows (n01728920 ringneck snake)"))
        #expect(try corpusError("single_row_class.h5") == nil)
    }

    @Test func featureColumnsAgainstTheClassifierBlameBoth() throws {
        let line = try #require(try corpusError("weight_d_plus_1.h5"))
        #expect(line.contains("/splits/train/features: has 8 columns but /classifier/weight has 9"))
    }
}
