// Package report prints the stock tables of the reference apps and parses
// them back for their tests.
package report

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// ChannelTable prints one row per SKU and one column per channel: what the
// channel may sell.
func ChannelTable(ctx context.Context, w io.Writer, l *inventory.Ledger, channels []omnikit.ChannelID, skus []omnikit.SKU) error {
	header := []string{"sku"}
	rows := make([][]string, len(skus))
	for i, sku := range skus {
		rows[i] = []string{string(sku)}
	}
	for _, ch := range channels {
		header = append(header, string(ch))
		levels, err := l.ChannelAvailabilities(ctx, ch, skus)
		if err != nil {
			return err
		}
		for i, lv := range levels {
			rows[i] = append(rows[i], strconv.FormatInt(lv.Available, 10))
		}
	}
	return Print(w, header, rows)
}

// StockTable prints the sellable and reserved units (and, with atp, the
// available-to-promise units) of each SKU at each location.
func StockTable(ctx context.Context, w io.Writer, l *inventory.Ledger, locs []omnikit.LocationID, skus []omnikit.SKU, atp bool) error {
	header := []string{"location", "sku", "sellable", "reserved"}
	if atp {
		header = append(header, "atp")
	}
	var rows [][]string
	for _, loc := range locs {
		for _, sku := range skus {
			a, err := l.Availability(ctx, sku, loc)
			if err != nil {
				return err
			}
			row := []string{string(loc), string(sku), strconv.FormatInt(a.Sellable, 10), strconv.FormatInt(a.Reserved, 10)}
			if atp {
				row = append(row, strconv.FormatInt(a.ATP, 10))
			}
			rows = append(rows, row)
		}
	}
	return Print(w, header, rows)
}

// Print aligns the columns of a header and rows. The last cell of a line
// ends without a tab so that no line ends in spaces.
func Print(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// Parse reads the aligned table that follows the line title in out into
// row key -> column name -> cell. The row key is the first cell, or the
// first two joined by "/" when the second column is "sku".
func Parse(out, title string) (map[string]map[string]string, error) {
	_, rest, ok := strings.Cut(out, title+"\n")
	if !ok {
		return nil, fmt.Errorf("no %q in the output", title)
	}
	lines := strings.Split(rest, "\n")
	header := strings.Fields(lines[0])
	keyCols := 1
	if len(header) > 1 && header[0] != "sku" && header[1] == "sku" {
		keyCols = 2
	}
	rows := map[string]map[string]string{}
	for _, line := range lines[1:] {
		cells := strings.Fields(line)
		if len(cells) == 0 {
			break
		}
		if len(cells) != len(header) {
			return nil, fmt.Errorf("row %q has %d cells, header has %d", line, len(cells), len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = cells[i]
		}
		rows[strings.Join(cells[:keyCols], "/")] = row
	}
	return rows, nil
}
