import MarkdownIt from 'markdown-it';

// GitHub renders the job summary as GitHub-flavoured markdown with HTML allowed and bare URLs
// linked: the same here, so a test sees what a reader of the summary would.
const renderer = new MarkdownIt({ html: true, linkify: true });

export function renderGfm(markdown: string): string {
  return renderer.render(markdown);
}

/** The text of every heading in rendered HTML, in order. */
export function headingsOf(html: string): string[] {
  return [...html.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => m[2]!);
}
