/**
 * The part of jsdom the summary test uses. @types/jsdom would bring the DOM library into every
 * file's types (and with it a `fetch` that rejects Node's Buffer bodies elsewhere in the tests).
 */
declare module 'jsdom' {
  export interface DomNode {
    readonly nodeType: number;
    readonly nodeName: string;
    readonly textContent: string | null;
    readonly childNodes: Iterable<DomNode>;
    readonly TEXT_NODE: number;
  }
  export interface DomTableRow extends DomNode {
    readonly cells: ArrayLike<DomNode> & Iterable<DomNode>;
  }
  export interface DomTable extends DomNode {
    readonly rows: ArrayLike<DomTableRow> & Iterable<DomTableRow>;
  }
  export interface DomDocument {
    querySelectorAll(selector: 'table'): Iterable<DomTable>;
  }
  export interface DomWindow {
    readonly document: DomDocument;
    close(): void;
  }
  export class JSDOM {
    constructor(html?: string);
    readonly window: DomWindow;
  }
}
