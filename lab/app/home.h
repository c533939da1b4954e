/* GET /: PyBossa's front page. It reads the project table only, never
 * helpingmaterial, so it stays up while the helpingmaterial API breaks. */
#ifndef LAB_HOME_H
#define LAB_HOME_H

struct http_exchange;

void home_get(struct http_exchange *x);

#endif
