/* Every figure opens at full size with one tap.
 *
 * On a phone the column is about 360 px wide, so a 688 px figure is drawn at half its
 * size and its text at about 5 px. Each figure of a cell output (and each image of a
 * MyST figure) becomes a link to the image file itself, which the browser shows at its
 * natural size and lets the reader zoom. Plain links: nothing to download, works offline
 * and from files on disk. Jupyter Book links every .js file of _static/ from each page.
 */
document.addEventListener("DOMContentLoaded", () => {
  const images = document.querySelectorAll(
    "main .cell_output img, main figure img, main img.figure-img"
  );
  for (const image of images) {
    if (image.closest("a")) continue;
    const link = document.createElement("a");
    link.href = image.getAttribute("src");
    link.className = "figure-full-size";
    link.title = document.documentElement.lang.startsWith("zh")
      ? "打开原尺寸的图"
      : "Open the figure at full size";
    image.replaceWith(link);
    link.append(image);
  }
});
