/** A listing's title, linked to its page on eBay when there is one. */

export function ListingTitle({
  title,
  url,
  level,
}: {
  title: string;
  url: string | null | undefined;
  level: "h2" | "h3";
}) {
  const Heading = level;
  return (
    <Heading className="snipe-title">
      {url ? (
        <a href={url} target="_blank" rel="noopener noreferrer">
          {title}
          <span className="visually-hidden"> (opens eBay)</span>
        </a>
      ) : (
        title
      )}
    </Heading>
  );
}
