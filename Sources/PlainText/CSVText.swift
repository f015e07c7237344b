/// RFC 4180 CSV fields: every CSV the tools write (tables, projection points) quotes through here.
public enum CSVText {
    /// `text` as one CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line
    /// break (which would otherwise end the field or the record); as is otherwise. Checked per
    /// Unicode scalar, so a "\r\n" pair (one Character) counts as a line break too.
    public static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }
}
