// Finds the ```ts blocks of a Markdown file or of the TSDoc comments of a TypeScript file, with the
// 1-based line of each block's first code line, so check-snippets can point at the source.

const OPEN = /^\s*```ts\s*$/;
const CLOSE = /^\s*```\s*$/;

/** Fenced ```ts blocks of `lines`; `firstLine` is the source line of lines[0]. */
function fenced(lines, firstLine, file) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (!OPEN.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !CLOSE.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${file}:${firstLine + i}: unclosed \`\`\`ts block`);
    blocks.push({ file, line: firstLine + start, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The ```ts blocks of a Markdown document. */
export function extractMarkdown(text, file) {
  return fenced(text.split('\n'), 1, file);
}

/**
 * The ```ts blocks inside `/** ... *\/` comments (where TSDoc @examples live), margins removed; `comment`
 * is the line of the comment's opening.
 */
export function extractTsdoc(text, file) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\/\*\*/.test(lines[i])) continue;
    let end = i;
    while (end < lines.length && !lines[end].includes('*/')) end++;
    const body = lines.slice(i, end + 1).map((line) =>
      line
        .replace(/^\s*\/\*\*\s?/, '')
        .replace(/\s*\*\/\s*$/, '')
        .replace(/^\s*\* ?/, ''),
    );
    for (const block of fenced(body, i + 1, file)) blocks.push({ ...block, comment: i + 1 });
    i = end;
  }
  return blocks;
}
