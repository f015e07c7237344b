import ArgumentParser
import Penultimate
import Testing
import ToolOptions
import ToolSupport

// The option value types, directly: what each accepts, what it refuses, and what provenance
// records for it. (OptionSweepTests and CommandLineTests run the same through the tools.)

@Suite struct ArgumentTypeTests {
    @Test func validationErrorIsAUsageErrorByItsType() {
        #expect(toolExitCode(for: ValidationError("--x: bad")) == .usage)
        #expect(toolErrorLine(tool: "eta", error: ValidationError("--x: bad")) == "eta: --x: bad")
    }

    @Test func commaListTrimsAndRefusesEmptyItems() throws {
        #expect(try CommaList(parsing: " a , b,c ").items == ["a", "b", "c"])
        #expect(try CommaList(parsing: "miniature poodle,submarine").description == "miniature poodle,submarine")
        for bad in ["", " ", ",", "a,,b", "a,", ",a", "a, ,b"] {
            #expect(throws: ValidationError.self, "'\(bad)'") { try CommaList(parsing: bad) }
        }
        #expect(CommaList.keepingEmptyItems("a,,c").items == ["a", "", "c"])
    }

    @Test func splitSelectionAllIsEverySplitOfTheFile() throws {
        let file = ["test", "train", "val"]
        #expect(try SplitSelection(parsing: "all") == .all)
        #expect(try SplitSelection(parsing: "all").names(in: file) == file)
        #expect(try SplitSelection(parsing: "val, train").names(in: file) == ["val", "train"])
        #expect(try SplitSelection(parsing: "val,train").description == "val,train")
        #expect(SplitSelection.all.description == "all")
        for bad in ["", "train,all", "all,all", "train,,val"] {
            #expect(throws: ValidationError.self, "'\(bad)'") { try SplitSelection(parsing: bad) }
        }
    }

    @Test func splitNameIsOneName() throws {
        #expect(try SplitName(parsing: " val ").name == "val")
        for bad in ["", "all", "train,val", ","] {
            #expect(throws: ValidationError.self, "'\(bad)'") { try SplitName(parsing: bad) }
        }
    }

    @Test func vocabulariesAreTheEnumsRawValues() {
        #expect(DistanceNormalization.allValueStrings == ["none", "unit", "centroid-scale"])
        #expect(DistanceNormalization(argument: "centroidScale") == .centroidScale)
        #expect(DistanceNormalization(argument: "centroidscale") == nil)
        #expect(ProjectionMethod.allValueStrings == ["muller", "qr-pca"])
        #expect(TableFormat.allValueStrings == ["markdown", "csv", "latex", "json"])
    }
}
