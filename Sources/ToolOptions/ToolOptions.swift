// ToolOptions: placeholder until the first shared option group lands.
