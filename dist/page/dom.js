/**
 * The page's only way to make elements: text always goes in as text (`textContent`), never
 * as HTML, so a message reading `<img onerror=...>` is shown, not run.
 */
/** An element with attributes (`true` sets an empty one, `false`/undefined none) and text or element children. */
export function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === true)
            node.setAttribute(name, '');
        else if (typeof value === 'string')
            node.setAttribute(name, value);
    }
    for (const child of children)
        node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    return node;
}
/** The element with this id, which the page's markup (index.html) always has. */
export function byId(id) {
    const node = document.getElementById(id);
    if (!node)
        throw new Error(`the page has no #${id}`);
    return node;
}
