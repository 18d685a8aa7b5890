// A component may bring its own stylesheet (`import './key-confirm.css'`): Vite bundles it and links
// it from every page that uses the component. The import has no value, only the side effect.
declare module '*.css' {}
