import Testing
@testable import ToolSupport

@Suite struct TableTests {
    let table = Table(
        columns: [Table.Column("target"), Table.Column("Train S1", alignment: .right), Table.Column("n", alignment: .right)],
        rows: [
            [.text("Chesapeake Bay retriever"), .number(-0.3921, decimals: 3), .integer(1300)],
            [.text("thunder snake"), .number(.nan, decimals: 3), .integer(2)],
            [.text("a|b, \"c\""), .number(-0.0001, decimals: 3), .empty],
        ],
        caption: "η(1, 3) for ResNet-18 students", unit: "percent")

    @Test func markdown() {
        #expect(table.render(.markdown) == #"""
        | target                   | Train S1 |    n |
        | ------------------------ | -------: | ---: |
        | Chesapeake Bay retriever |   -0.392 | 1300 |
        | thunder snake            |      n/a |    2 |
        | a\|b, "c"                |    0.000 |      |

        Table: η(1, 3) for ResNet-18 students (unit: percent)

        """#)
    }

    @Test func csv() {
        #expect(table.render(.csv) == #"""
        # η(1, 3) for ResNet-18 students
        # unit: percent
        target,Train S1,n
        Chesapeake Bay retriever,-0.392,1300
        thunder snake,n/a,2
        "a|b, ""c""",0.000,

        """#)
    }

    @Test func latex() {
        #expect(table.render(.latex) == #"""
        \begin{table}
        \centering
        \begin{tabular}{lrr}
        \toprule
        target & Train S1 & n \\
        \midrule
        Chesapeake Bay retriever & -0.392 & 1300 \\
        thunder snake & n/a & 2 \\
        a|b, "c" & 0.000 &  \\
        \bottomrule
        \end{tabular}
        \caption{η(1, 3) for ResNet-18 students (unit: percent)}
        \end{table}

        """#)
        #expect(Table.latexEscaped("50% of a_b & {x} ~ ^ \\ $ #") ==
                "50\\% of a\\_b \\& \\{x\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{} \\$ \\#")
    }

    @Test func json() {
        #expect(table.render(.json) == #"""
        {"caption": "η(1, 3) for ResNet-18 students", "unit": "percent", "columns": ["target", "Train S1", "n"], \#
        "rows": [["Chesapeake Bay retriever", -0.392, 1300], ["thunder snake", null, 2], ["a|b, \"c\"", 0.000, null]]}

        """#)
    }

    @Test func numberFormatting() {
        #expect(Table.format(.nan, decimals: 2) == "n/a")
        #expect(Table.format(.infinity, decimals: 2) == "inf")
        #expect(Table.format(-.infinity, decimals: 2) == "-inf")
        #expect(Table.format(-0.0, decimals: 1) == "0.0")
        #expect(Table.format(-0.04, decimals: 1) == "0.0")
        #expect(Table.format(-0.06, decimals: 1) == "-0.1")
        #expect(Table.format(2.5, decimals: 0) == "2")  // round half to even, as printf does
        #expect(Table.format(1234.5678, decimals: 2) == "1234.57")
        #expect(Table.Cell.number(.infinity, decimals: 1).json == "null")
    }

    @Test func captionLineVariants() {
        var t = Table(columns: [Table.Column("a")])
        #expect(t.captionLine == nil)
        #expect(t.render(.markdown) == "| a   |\n| --- |\n")
        #expect(t.render(.csv) == "a\n")
        t.unit = "fraction"
        #expect(t.captionLine == "unit: fraction")
        t.caption = "c"
        t.unit = nil
        #expect(t.captionLine == "c")
        t.append([.integer(1)])
        #expect(t.rows.count == 1)
    }
}
